package store

// The SQL both engines run, statement for statement, so that the two modes differ only in
// how they hold connections and batch statements. pgx prepares each statement once per
// connection (its statement cache) and then only binds and executes it. The benchmark's
// pgbench reference runs these same statements.
const (
	// SQLSkillAliases loads the taxonomy.
	SQLSkillAliases = `SELECT a.alias, s.id, s.name FROM skill_aliases a JOIN skills s ON s.id = a.skill_id`

	// SQLBankQuestions picks up to $4 questions per skill in $1, of difficulty $2 (''
	// for all). Within a skill, questions are ranked per difficulty by a hash seeded
	// with $3 and the difficulties interleaved easy, medium, hard, so that a mixed
	// interview gets a spread and the same job description the same questions. The
	// server picks with Bank.Pick from the bank it keeps in memory; this query is the
	// definition Pick is tested against. Text comparisons are COLLATE "C" (byte order)
	// so that the order does not depend on the database's collation.
	SQLBankQuestions = `
SELECT q.id, q.skill_id, s.name, q.difficulty, q.kind, q.text, q.key_points
FROM (
	SELECT r.*, row_number() OVER (
		PARTITION BY r.skill_id
		ORDER BY r.spread, CASE r.difficulty WHEN 'easy' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END) AS pick
	FROM (
		SELECT id, skill_id, difficulty, kind, text, key_points,
			row_number() OVER (PARTITION BY skill_id, difficulty ORDER BY md5(id || $3::text) COLLATE "C") AS spread
		FROM questions
		WHERE skill_id = ANY($1::text[]) AND ($2::text = '' OR difficulty = $2::text)
	) r
) q
JOIN skills s ON s.id = q.skill_id
WHERE q.pick <= $4::int
ORDER BY q.skill_id COLLATE "C", q.pick`

	// SQLBank loads the whole question bank (Bank).
	SQLBank = `
SELECT q.id, q.skill_id, s.name, q.difficulty, q.kind, q.text, q.key_points
FROM questions q JOIN skills s ON s.id = q.skill_id`

	// SQLSchemaVersion is the schema's migration version (goose's table): the version
	// the cached reference data (taxonomy, bank) belongs to.
	SQLSchemaVersion = `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`

	// SQLInsertSession stores a session's header.
	SQLInsertSession = `
INSERT INTO interview_sessions (id, role, seniority, difficulty, job_description, skills, sources)
VALUES ($1::uuid, $2::text, $3::text, $4::text, $5::text, $6::jsonb, $7::jsonb)`

	// SQLInsertSessionQuestions stores all of a session's questions in one statement;
	// $2 is a JSON array of sessionQuestionRow.
	SQLInsertSessionQuestions = `
INSERT INTO session_questions
	(session_id, position, question_id, skill_id, skill_name, difficulty, kind, text, key_points, source)
SELECT $1::uuid, x.position, x.question_id, x.skill_id, x.skill_name, x.difficulty, x.kind, x.text, x.key_points, x.source
FROM jsonb_to_recordset($2::jsonb) AS x(position int, question_id text, skill_id text, skill_name text,
	difficulty text, kind text, text text, key_points text[], source text)`

	// SQLSessionQuestion finds one question of a session; the first column says whether
	// the question exists, no row means the session does not.
	SQLSessionQuestion = `
SELECT q.question_id IS NOT NULL, coalesce(q.position, 0), coalesce(q.question_id, ''), coalesce(q.skill_id, ''),
	coalesce(q.skill_name, ''), coalesce(q.difficulty, ''), coalesce(q.kind, ''), coalesce(q.text, ''),
	coalesce(q.key_points, '{}'), coalesce(q.source, '')
FROM interview_sessions s
LEFT JOIN session_questions q ON q.session_id = s.id AND q.question_id = $2::text
WHERE s.id = $1::uuid`

	// SQLInsertAnalysis stores an analysed answer.
	SQLInsertAnalysis = `
INSERT INTO answer_analyses (id, session_id, question_id, answer, score, coverage, depth, structure, examples,
	covered_points, missed_points, strengths, improvements)
VALUES ($1::uuid, $2::uuid, $3::text, $4::text, $5::int, $6::int, $7::int, $8::int, $9::int,
	$10::text[], $11::text[], $12::text[], $13::text[])
RETURNING created_at`

	// SQLSession, SQLSessionQuestions and SQLSessionAnalyses read a session; they are
	// independent of each other (the async engine pipelines them in one batch).
	SQLSession = `
SELECT id::text, role, seniority, difficulty, job_description, skills, sources, created_at
FROM interview_sessions WHERE id = $1::uuid`
	SQLSessionQuestions = `
SELECT position, question_id, skill_id, skill_name, difficulty, kind, text, key_points, source
FROM session_questions WHERE session_id = $1::uuid ORDER BY position`
	SQLSessionAnalyses = `
SELECT id::text, question_id, answer, score, coverage, depth, structure, examples,
	covered_points, missed_points, strengths, improvements, created_at
FROM answer_analyses WHERE session_id = $1::uuid ORDER BY created_at, id`

	// SQLBankCounts sizes the question bank exactly (it is small and static).
	SQLBankCounts = `
SELECT (SELECT count(*) FROM skills), (SELECT count(*) FROM skill_aliases), (SELECT count(*) FROM questions)`
	// SQLSessionCounts sizes the session store from the statistics collector, which
	// costs nothing however large the tables grow.
	SQLSessionCounts = `
SELECT coalesce(sum(n_live_tup) FILTER (WHERE relname = 'interview_sessions'), 0)::bigint,
	coalesce(sum(n_live_tup) FILTER (WHERE relname = 'answer_analyses'), 0)::bigint
FROM pg_stat_user_tables WHERE schemaname = current_schema()`
)
