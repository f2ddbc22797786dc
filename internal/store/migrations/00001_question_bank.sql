-- The question bank: a taxonomy of skills with their aliases, and interview questions
-- with the key points that answers are scored against. Written by the domain engineer;
-- the seed data is 00002_seed_question_bank.sql.

-- +goose Up
CREATE TABLE skills (
    id       text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),  -- slug: 'go', 'kubernetes'
    name     text NOT NULL UNIQUE,                                  -- display name: 'Go'
    category text NOT NULL
);

-- Every alias is lower case; each skill's lower-cased name and id are aliases too, so
-- a job description is matched against this one table.
CREATE TABLE skill_aliases (
    alias    text PRIMARY KEY CHECK (alias = lower(alias) AND alias <> ''),
    skill_id text NOT NULL REFERENCES skills (id) ON DELETE CASCADE
);

CREATE INDEX skill_aliases_skill_id_idx ON skill_aliases (skill_id);

CREATE TABLE questions (
    id         text PRIMARY KEY,                                    -- 'q-go-001'
    skill_id   text NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    difficulty text NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    kind       text NOT NULL CHECK (kind IN ('technical', 'coding', 'system_design', 'behavioral')),
    text       text NOT NULL CHECK (text <> ''),
    key_points text[] NOT NULL CHECK (cardinality(key_points) >= 2)
);

-- parse-jd picks questions by skill and difficulty.
CREATE INDEX questions_skill_id_difficulty_idx ON questions (skill_id, difficulty);

-- +goose Down
DROP TABLE questions;
DROP TABLE skill_aliases;
DROP TABLE skills;
