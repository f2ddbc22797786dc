package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/interviewapi/operator/internal/generator"
	"github.com/interviewapi/operator/internal/jd"
	"github.com/interviewapi/operator/internal/store"
)

// Limits of a parse-jd request.
const (
	MaxJobDescriptionChars = 50_000
	DefaultNumQuestions    = 10
	MaxNumQuestions        = 50
	DifficultyMixed        = "mixed"
)

// ParseJDInput is a request to build an interview from a job description.
type ParseJDInput struct {
	JobDescription string
	NumQuestions   int    // 1..MaxNumQuestions
	Difficulty     string // easy, medium, hard or mixed; "" means mixed
}

func (in *ParseJDInput) validate() error {
	text := strings.TrimSpace(in.JobDescription)
	switch n := utf8.RuneCountInString(in.JobDescription); {
	case text == "":
		return invalid("job_description", "must not be empty")
	case n > MaxJobDescriptionChars:
		return invalid("job_description", "is %d characters long, the limit is %d", n, MaxJobDescriptionChars)
	case !utf8.ValidString(in.JobDescription):
		return invalid("job_description", "is not valid UTF-8")
	}
	if in.NumQuestions < 1 || in.NumQuestions > MaxNumQuestions {
		return invalid("num_questions", "must be between 1 and %d, got %d", MaxNumQuestions, in.NumQuestions)
	}
	switch in.Difficulty {
	case "":
		in.Difficulty = DifficultyMixed
	case store.Easy, store.Medium, store.Hard, DifficultyMixed:
	default:
		return invalid("difficulty", "must be easy, medium, hard or mixed, got %q", in.Difficulty)
	}
	return nil
}

// ParseJD extracts the role, seniority and skills of a job description, picks questions
// from the bank (the async engine from memory, per schema version: reference.go) for the skills it covers, asks the generator once for the skills it does
// not cover plus one role-tailored question, and stores the interview as a session.
//
// The generator runs between the bank query and the session write; whether a database
// connection is held across it is the engine's business (the sync engine holds one).
func (s *Service) ParseJD(ctx context.Context, in ParseJDInput) (store.Session, error) {
	if err := in.validate(); err != nil {
		return store.Session{}, err
	}
	ctx, end, err := s.operation(ctx)
	if err != nil {
		return store.Session{}, err
	}
	defer end()
	ref, err := s.referenceData(ctx)
	if err != nil {
		return store.Session{}, err
	}
	parsed := jd.Parse(in.JobDescription, ref.taxonomy)

	bankDifficulty := in.Difficulty
	if bankDifficulty == DifficultyMixed {
		bankDifficulty = ""
	}
	var bank []store.Question
	if len(parsed.Skills) > 0 {
		q := store.BankQuery{
			SkillIDs:   skillIDs(parsed.Skills),
			Difficulty: bankDifficulty,
			PerSkill:   in.NumQuestions,
			Seed:       seedOf(in.JobDescription),
		}
		if s.store.Mode() == store.ModeSync {
			// The sync engine reproduces the legacy design, whose bank read is the
			// request's first statement: it checks out the connection that is then
			// held across the generator. Picking from memory would take that away
			// from what the sync mode is there to show (docs/benchmarks.md).
			if bank, err = s.store.BankQuestions(ctx, q); err != nil {
				return store.Session{}, fmt.Errorf("pick bank questions: %w", err)
			}
		} else {
			bank = ref.bank.Pick(q) // the same questions (store/bank_test.go)
		}
	}
	plan := planQuestions(parsed.Skills, bank, in.NumQuestions, parsed.Seniority)

	outcome, err := s.generator.GenerateWithOutcome(ctx, generator.Request{
		Role:       parsed.Role,
		Seniority:  parsed.Seniority,
		Difficulty: in.Difficulty,
		Skills:     plan.generateFor,
		Count:      plan.generate,
	})
	if err != nil {
		return store.Session{}, fmt.Errorf("generate questions: %w", err)
	}
	generated := outcome.Questions
	if len(generated) > plan.generate {
		generated = generated[:plan.generate]
	}

	sess := store.Session{
		ID:             uuid.NewString(),
		Role:           parsed.Role,
		Seniority:      parsed.Seniority,
		Difficulty:     in.Difficulty,
		JobDescription: in.JobDescription,
		Skills:         sessionSkills(parsed.Skills),
		Sources: store.Sources{
			QuestionBank: len(plan.fromBank),
			Generated:    len(generated),
			Generator:    outcome.Source,
		},
	}
	if outcome.PrimaryErr != nil {
		// The client reads what kind of failure it was; the error itself (the
		// provider's URL, the start of its answer) goes to the log only.
		sess.Sources.Fallback = fmt.Sprintf("external generator %s; %s answered instead", generator.Describe(outcome.PrimaryErr), outcome.Source)
		s.log.Warn("external question generator failed; fell back", "error", outcome.PrimaryErr, "answered_by", outcome.Source)
	}
	names := skillNames(parsed.Skills)
	for _, q := range plan.fromBank {
		sess.Questions = append(sess.Questions, store.SessionQuestion{
			Question: q, Position: len(sess.Questions), Source: store.SourceBank,
		})
	}
	for i, g := range generated {
		sess.Questions = append(sess.Questions, store.SessionQuestion{
			Question: store.Question{
				ID:         fmt.Sprintf("gen-%d", i+1),
				SkillID:    g.SkillID,
				SkillName:  names[g.SkillID],
				Difficulty: g.Difficulty,
				Kind:       g.Kind,
				Text:       g.Text,
				KeyPoints:  g.KeyPoints,
			},
			Position: len(sess.Questions),
			Source:   outcome.Source,
		})
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return store.Session{}, fmt.Errorf("store session: %w", err)
	}
	return sess, nil
}

// questionPlan splits an interview of n questions between the bank and the generator.
type questionPlan struct {
	fromBank    []store.Question
	generate    int           // questions to ask the generator for (≥ 1)
	generateFor []jd.SkillRef // skills they are for, in the job description's order
}

// planQuestions gives the generator one question per skill the bank does not cover plus
// the role-tailored one (as far as n allows), and fills the rest from the bank, taking
// the covered skills in turn in the order the job description stresses them. For a mixed
// interview the bank picks rotate through the difficulties starting at the candidate's
// level, as the generator's do. When the bank runs short, the generator writes the
// remainder for the covered skills too.
func planQuestions(skills []jd.SkillMatch, bank []store.Question, n int, seniority string) questionPlan {
	bySkill := map[string][]store.Question{}
	for _, q := range bank {
		bySkill[q.SkillID] = append(bySkill[q.SkillID], q)
	}
	var covered, uncovered []jd.SkillRef
	for _, sk := range skills {
		ref := jd.SkillRef{ID: sk.ID, Name: sk.Name}
		if len(bySkill[sk.ID]) > 0 {
			covered = append(covered, ref)
		} else {
			uncovered = append(uncovered, ref)
		}
	}

	generate := min(len(uncovered)+1, n)
	var fromBank []store.Question
	for len(fromBank) < n-generate {
		took := false
		for _, sk := range covered {
			if len(fromBank) == n-generate {
				break
			}
			if q, ok := takeQuestion(bySkill, sk.ID, difficultyAt(seniority, len(fromBank))); ok {
				fromBank = append(fromBank, q)
				took = true
			}
		}
		if !took {
			break // the bank has nothing more for these skills
		}
	}
	generate = n - len(fromBank)

	// One question of the generator is role-tailored; the others go to the uncovered
	// skills first, then to the covered ones.
	generateFor := uncovered[:min(len(uncovered), generate-1)]
	if extra := generate - 1 - len(generateFor); extra > 0 && len(covered) > 0 {
		generateFor = append(append([]jd.SkillRef{}, generateFor...), covered...)
	}
	return questionPlan{fromBank: fromBank, generate: generate, generateFor: generateFor}
}

// takeQuestion removes and returns the first remaining question of a skill with the
// wanted difficulty, or else its first remaining question.
func takeQuestion(bySkill map[string][]store.Question, skill, difficulty string) (store.Question, bool) {
	qs := bySkill[skill]
	if len(qs) == 0 {
		return store.Question{}, false
	}
	i := slices.IndexFunc(qs, func(q store.Question) bool { return q.Difficulty == difficulty })
	if i < 0 {
		i = 0
	}
	q := qs[i]
	bySkill[skill] = slices.Delete(qs, i, i+1) // bySkill owns its slices
	return q, true
}

// difficultyAt is the difficulty wanted for the k-th bank question of a mixed interview:
// starting at the seniority's level and rotating through all three. (Single-difficulty
// interviews only get questions of that difficulty from the bank.)
func difficultyAt(seniority string, k int) string {
	levels := []string{store.Easy, store.Medium, store.Hard}
	offset := 1
	switch seniority {
	case jd.Junior:
		offset = 0
	case jd.Senior, jd.Lead:
		offset = 2
	}
	return levels[(offset+k)%len(levels)]
}

// seedOf makes the bank's pick depend on the job description only.
func seedOf(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8])
}

func skillIDs(skills []jd.SkillMatch) []string {
	ids := make([]string, len(skills))
	for i, s := range skills {
		ids[i] = s.ID
	}
	return ids
}

func skillNames(skills []jd.SkillMatch) map[string]string {
	names := make(map[string]string, len(skills))
	for _, s := range skills {
		names[s.ID] = s.Name
	}
	return names
}

func sessionSkills(skills []jd.SkillMatch) []store.SessionSkill {
	out := make([]store.SessionSkill, len(skills))
	for i, s := range skills {
		out[i] = store.SessionSkill{ID: s.ID, Name: s.Name, Mentions: s.Mentions}
	}
	return out
}
