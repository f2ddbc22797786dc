package jd

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// SkillMatch is a skill found in a job description.
type SkillMatch struct {
	ID       string
	Name     string
	Mentions int // how many times any alias of the skill occurs
}

// Result is what Parse extracts from a job description.
type Result struct {
	Role      string       // e.g. "Senior Backend Engineer"
	Seniority string       // one of Seniorities
	Skills    []SkillMatch // by mentions, descending, then by first occurrence
}

// Bounds on the part of a description searched for the role and the level. Titles and
// level statements sit at the top of a description and in its requirements, within
// the first few kilobytes; skills are matched in the whole text. The bounds keep the
// cost of a maximum-size description (the API allows 50,000 characters) low.
const (
	roleScanBytes  = 4 << 10
	levelScanBytes = 16 << 10
)

// Parse extracts the role, seniority and skills of a job description. It never fails:
// a text with nothing recognisable gives the default role, "mid" and no skills. A nil
// taxonomy finds no skills.
func Parse(text string, tax *Taxonomy) Result {
	role := extractRole(prefix(text, roleScanBytes))
	return Result{
		Role:      role,
		Seniority: extractSeniority(prefix(text, levelScanBytes), role),
		Skills:    matchSkills(tokenize(text), tax),
	}
}

// span is one occurrence of an alias in the token stream.
type span struct {
	start, end int // token indexes, end exclusive
	skill      SkillRef
	confirmed  bool
}

// matchSkills finds every alias occurrence, longest alias first at each position, so
// "machine learning" is one mention of Machine Learning and not a mention of a skill
// aliased "machine". A lower-case ambiguous alias ("go", "rust") counts only in a list
// of other skills ("python, go, java" or "java or go"), where it cannot be the verb.
func matchSkills(toks []token, tax *Taxonomy) []SkillMatch {
	if tax == nil || len(toks) == 0 {
		return []SkillMatch{}
	}
	var spans []span
	owner := make([]int, len(toks)) // token index → span index + 1, 0 for none
	for i := 0; i < len(toks); {
		a, ok := tax.match(toks, i)
		if !ok {
			i++
			continue
		}
		n := len(a.tokens)
		spans = append(spans, span{start: i, end: i + n, skill: a.skill, confirmed: !a.ambiguous || hasUpper(toks[i].orig)})
		for k := i; k < i+n; k++ {
			owner[k] = len(spans)
		}
		i += n
	}
	// Confirm lower-case ambiguous spans next to a confirmed one. A run of adjacent
	// spans is confirmed from any confirmed member outwards: one pass forwards carries
	// confirmation to the right, one pass backwards to the left.
	confirm := func(si int) {
		s := &spans[si]
		if !s.confirmed && (neighbourConfirmed(toks, spans, owner, s.start-1, -1) || neighbourConfirmed(toks, spans, owner, s.end, +1)) {
			s.confirmed = true
		}
	}
	for si := range spans {
		confirm(si)
	}
	for si := len(spans) - 1; si >= 0; si-- {
		confirm(si)
	}

	type acc struct {
		match SkillMatch
		first int
	}
	byID := map[string]*acc{}
	var order []*acc
	for _, s := range spans {
		if !s.confirmed {
			continue
		}
		a, ok := byID[s.skill.ID]
		if !ok {
			a = &acc{match: SkillMatch{ID: s.skill.ID, Name: s.skill.Name}, first: toks[s.start].pos}
			byID[s.skill.ID] = a
			order = append(order, a)
		}
		a.match.Mentions++
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].match.Mentions != order[j].match.Mentions {
			return order[i].match.Mentions > order[j].match.Mentions
		}
		return order[i].first < order[j].first
	})
	out := make([]SkillMatch, len(order))
	for i, a := range order {
		out[i] = a.match
	}
	return out
}

// neighbourConfirmed looks from token i in direction dir (-1 or +1), stepping over one
// list connector ("and", "or"), for a token inside a confirmed skill span of the same
// clause.
func neighbourConfirmed(toks []token, spans []span, owner []int, i, dir int) bool {
	// from is the token we step from: a clause break between two tokens is recorded
	// on the later one.
	from := i - dir
	step := func() bool {
		if i < 0 || i >= len(toks) {
			return false
		}
		later := max(i, from)
		return !toks[later].clauseBreak
	}
	if !step() {
		return false
	}
	if owner[i] == 0 && isConnector(toks[i].norm) {
		from, i = i, i+dir
		if !step() {
			return false
		}
	}
	return owner[i] != 0 && spans[owner[i]-1].confirmed
}

func isConnector(w string) bool {
	switch w {
	case "and", "or", "plus", "with":
		return true
	}
	return false
}

// prefix cuts text to at most n bytes, at a line break when there is one in the last
// quarter so that a sentence is not cut in the middle, and never inside a UTF-8
// sequence.
func prefix(text string, n int) string {
	if len(text) <= n {
		return text
	}
	if nl := strings.LastIndexByte(text[:n], '\n'); nl >= n*3/4 {
		return text[:nl]
	}
	for n > 0 && !utf8.RuneStart(text[n]) {
		n--
	}
	return text[:n]
}
