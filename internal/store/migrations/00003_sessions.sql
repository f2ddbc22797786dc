-- Interview sessions: what parse-jd generated for a job description, and the answers
-- analysed against its questions. Questions are copied into the session (text and key
-- points), so that a session reads the same after the bank changes and generated
-- questions, which the bank does not hold, are stored the same way as bank ones.

-- +goose Up
CREATE TABLE interview_sessions (
    id              uuid PRIMARY KEY,
    role            text NOT NULL,
    seniority       text NOT NULL,
    difficulty      text NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard', 'mixed')),
    job_description text NOT NULL,
    skills          jsonb NOT NULL,            -- [{id, name, mentions}]
    sources         jsonb NOT NULL,            -- {question_bank, generated, generator, fallback}
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE session_questions (
    session_id  uuid NOT NULL REFERENCES interview_sessions (id) ON DELETE CASCADE,
    position    int NOT NULL CHECK (position >= 0),
    question_id text NOT NULL,                 -- the bank's id, or 'gen-N' for a generated one
    skill_id    text NOT NULL,                 -- '' for a role-tailored question
    skill_name  text NOT NULL,
    difficulty  text NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    kind        text NOT NULL CHECK (kind IN ('technical', 'coding', 'system_design', 'behavioral')),
    text        text NOT NULL,
    key_points  text[] NOT NULL,
    source      text NOT NULL,                 -- 'bank' or the generator's name
    PRIMARY KEY (session_id, question_id),
    UNIQUE (session_id, position)
);

CREATE TABLE answer_analyses (
    id             uuid PRIMARY KEY,
    session_id     uuid NOT NULL,
    question_id    text NOT NULL,
    answer         text NOT NULL,
    score          int NOT NULL CHECK (score BETWEEN 0 AND 100),
    coverage       int NOT NULL CHECK (coverage BETWEEN 0 AND 100),
    depth          int NOT NULL CHECK (depth BETWEEN 0 AND 100),
    structure      int NOT NULL CHECK (structure BETWEEN 0 AND 100),
    examples       int NOT NULL CHECK (examples BETWEEN 0 AND 100),
    covered_points text[] NOT NULL,
    missed_points  text[] NOT NULL,
    strengths      text[] NOT NULL,
    improvements   text[] NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (session_id, question_id) REFERENCES session_questions (session_id, question_id) ON DELETE CASCADE
);

-- GET /api/v1/sessions/:id lists a session's answers in order.
CREATE INDEX answer_analyses_session_idx ON answer_analyses (session_id, created_at);

-- +goose Down
DROP TABLE answer_analyses;
DROP TABLE session_questions;
DROP TABLE interview_sessions;
