package store

import "time"

// Difficulties of questions, as stored in the bank.
const (
	Easy   = "easy"
	Medium = "medium"
	Hard   = "hard"
)

// SourceBank marks a session question taken from the question bank; generated questions
// carry the name of the generator that wrote them.
const SourceBank = "bank"

// SkillAlias maps one lower-case alias ("golang", "k8s") to the skill it names.
type SkillAlias struct {
	Alias     string
	SkillID   string
	SkillName string
}

// BankQuery asks the question bank for questions.
type BankQuery struct {
	SkillIDs   []string
	Difficulty string // Easy, Medium, Hard, or "" for a spread over all three
	PerSkill   int    // at most this many questions per skill
	// Seed varies the pick among equally good questions; the same seed picks the same
	// questions, so a job description always gets the same bank questions.
	Seed string
}

// Question is an interview question with the key points a good answer covers.
type Question struct {
	ID         string
	SkillID    string // "" for a role-tailored question that targets no single skill
	SkillName  string
	Difficulty string
	Kind       string // technical, coding, system_design or behavioral
	Text       string
	KeyPoints  []string
}

// SessionQuestion is a question as asked in one session.
type SessionQuestion struct {
	Question
	Position int    // 0-based order in the session
	Source   string // SourceBank or the generator's name
}

// SessionSkill is a skill found in the job description.
type SessionSkill struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Mentions int    `json:"mentions"`
}

// Sources says where a session's questions came from.
type Sources struct {
	QuestionBank int    `json:"question_bank"` // questions taken from the bank
	Generated    int    `json:"generated"`     // questions written by a generator
	Generator    string `json:"generator"`     // the generator that answered
	// Fallback is set when the configured external generator failed and the
	// built-in one answered instead: which generator failed and why.
	Fallback string `json:"fallback,omitempty"`
}

// Session is an interview generated from a job description.
type Session struct {
	ID             string // a UUID
	Role           string
	Seniority      string
	Difficulty     string // requested: easy, medium, hard or mixed
	JobDescription string
	Skills         []SessionSkill
	Sources        Sources
	Questions      []SessionQuestion
	CreatedAt      time.Time // set by Session; ignored by CreateSession
}

// AnswerAnalysis is a scored answer to one question of a session.
type AnswerAnalysis struct {
	ID         string // a UUID
	SessionID  string
	QuestionID string
	Answer     string
	Score      int // 0-100
	Coverage   int // 0-100 each
	Depth      int
	Structure  int
	Examples   int

	CoveredPoints []string
	MissedPoints  []string
	Strengths     []string
	Improvements  []string
	CreatedAt     time.Time // set by the database
}

// SessionDetail is a session with its analysed answers, oldest first.
type SessionDetail struct {
	Session
	Analyses []AnswerAnalysis
}

// Counts sizes the question bank exactly and the session store approximately (from
// PostgreSQL's statistics, which cost nothing to read however large the tables grow).
type Counts struct {
	Skills         int64
	Aliases        int64
	Questions      int64
	SessionsApprox int64
	AnalysesApprox int64
}
