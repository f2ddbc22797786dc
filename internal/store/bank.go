package store

import (
	"bytes"
	"crypto/md5" //nolint:gosec // not for security: the same hash as SQLBankQuestions' md5(), to rank alike
	"slices"
	"strings"
)

// Bank is the whole question bank in memory, for picking questions without a query.
// The bank changes only with migrations, so a server may keep one per schema version
// (the service layer does for the async engine, see service.referenceData); Pick picks exactly what
// SQLBankQuestions does (bank_test.go compares the two on PostgreSQL). A Bank is never
// modified after NewBank and is safe for concurrent use.
type Bank struct {
	bySkill map[string][]Question
	size    int
}

// NewBank indexes the questions by skill; it keeps the slice's elements.
func NewBank(questions []Question) *Bank {
	b := &Bank{bySkill: map[string][]Question{}, size: len(questions)}
	for _, q := range questions {
		b.bySkill[q.SkillID] = append(b.bySkill[q.SkillID], q)
	}
	return b
}

// Len is the number of questions in the bank.
func (b *Bank) Len() int { return b.size }

// difficultyRank is SQLBankQuestions' CASE: easy, medium, then the rest.
func difficultyRank(d string) int {
	switch d {
	case Easy:
		return 0
	case Medium:
		return 1
	}
	return 2
}

// Pick returns what SQLBankQuestions returns for q, in its order: for each skill of
// q.SkillIDs (by id, byte order), up to q.PerSkill questions of q.Difficulty ("" for
// all), ranked within each difficulty by md5(id || seed) and interleaved easy,
// medium, hard. Comparing the raw digests is comparing their hex forms, byte for byte,
// which is how the query orders them (COLLATE "C").
func (b *Bank) Pick(q BankQuery) []Question {
	if q.PerSkill <= 0 {
		return nil
	}
	skills := slices.Clone(q.SkillIDs)
	slices.Sort(skills)
	skills = slices.Compact(skills) // = ANY($1) matches each skill once
	type ranked struct {
		q      Question
		digest [md5.Size]byte
		spread int
	}
	var out []Question
	var cands []ranked
	for _, skill := range skills {
		cands = cands[:0]
		for _, c := range b.bySkill[skill] {
			if q.Difficulty == "" || c.Difficulty == q.Difficulty {
				cands = append(cands, ranked{q: c, digest: md5.Sum([]byte(c.ID + q.Seed))}) //nolint:gosec // see the import
			}
		}
		// spread: the row's number within its difficulty, by digest.
		slices.SortFunc(cands, func(x, y ranked) int {
			if c := strings.Compare(x.q.Difficulty, y.q.Difficulty); c != 0 {
				return c
			}
			return bytes.Compare(x.digest[:], y.digest[:])
		})
		for i := range cands {
			if i > 0 && cands[i-1].q.Difficulty == cands[i].q.Difficulty {
				cands[i].spread = cands[i-1].spread + 1
			} else {
				cands[i].spread = 1
			}
		}
		// pick: by spread, then difficulty rank; ids are unique, so no two rows tie.
		slices.SortFunc(cands, func(x, y ranked) int {
			if x.spread != y.spread {
				return x.spread - y.spread
			}
			if c := difficultyRank(x.q.Difficulty) - difficultyRank(y.q.Difficulty); c != 0 {
				return c
			}
			return strings.Compare(x.q.Difficulty, y.q.Difficulty)
		})
		for i := range min(len(cands), q.PerSkill) {
			out = append(out, cands[i].q)
		}
	}
	return out
}
