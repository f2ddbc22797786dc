package jd

import (
	"sort"
	"strings"
)

// SkillRef names a canonical skill of the taxonomy.
type SkillRef struct {
	ID   string // slug, e.g. "go"
	Name string // display name, e.g. "Go"
}

// Taxonomy maps aliases to canonical skills. It is immutable once built and safe for
// concurrent use.
type Taxonomy struct {
	// byFirst indexes aliases by their first token; each list is sorted longest first
	// so that the longest alias wins ("machine learning" before "machine").
	byFirst map[string][]alias
}

type alias struct {
	tokens []string
	skill  SkillRef
	// ambiguous aliases are also ordinary English words or single letters ("go",
	// "rust", "r"): they count only when written with a capital letter.
	ambiguous bool
}

// NewTaxonomy builds a taxonomy from alias → skill. Aliases are matched
// case-insensitively on word boundaries; an alias with no word characters is ignored.
func NewTaxonomy(aliases map[string]SkillRef) *Taxonomy {
	t := &Taxonomy{byFirst: make(map[string][]alias, len(aliases))}
	for text, skill := range aliases {
		toks := normalizeAlias(text)
		if len(toks) == 0 {
			continue
		}
		a := alias{tokens: toks, skill: skill, ambiguous: len(toks) == 1 && isAmbiguousWord(toks[0])}
		t.byFirst[toks[0]] = append(t.byFirst[toks[0]], a)
	}
	for first, list := range t.byFirst {
		// Map iteration order is random: sort fully so that parsing is deterministic
		// even when two aliases of the same length share a first token.
		sort.Slice(list, func(i, j int) bool {
			if len(list[i].tokens) != len(list[j].tokens) {
				return len(list[i].tokens) > len(list[j].tokens)
			}
			return strings.Join(list[i].tokens, " ") < strings.Join(list[j].tokens, " ")
		})
		t.byFirst[first] = list
	}
	return t
}

// Len returns the number of distinct aliases in the taxonomy.
func (t *Taxonomy) Len() int {
	if t == nil {
		return 0
	}
	n := 0
	for _, list := range t.byFirst {
		n += len(list)
	}
	return n
}

// match returns the longest alias starting at toks[i]. Ambiguous aliases written in
// lower case match too; the caller decides from the context whether they count.
func (t *Taxonomy) match(toks []token, i int) (alias, bool) {
	for _, a := range t.byFirst[toks[i].norm] {
		n := len(a.tokens)
		if i+n > len(toks) {
			continue
		}
		ok := true
		for k := 1; k < n; k++ {
			if toks[i+k].norm != a.tokens[k] {
				ok = false
				break
			}
		}
		if ok {
			return a, true
		}
	}
	return alias{}, false
}

// isAmbiguousWord lists aliases that are also everyday words or single letters, where
// a lower-case occurrence is far more often English than technology ("go above and
// beyond", "less than", "a pig-headed rush").
func isAmbiguousWord(w string) bool {
	if len([]rune(w)) == 1 {
		return true
	}
	switch w {
	case "go", "rust", "swift", "spark", "express", "react", "ruby", "dart", "julia",
		"chef", "puppet", "salt", "flask", "rails", "jest", "mocha", "hive", "pig",
		"helm", "vault", "consul", "next", "nest", "gin", "echo", "sass", "less",
		"shell", "storm", "beam", "keras", "pandas", "rest", "spring", "tailwind",
		"torch", "expo", "elk", "aria", "flutter":
		return true
	}
	return false
}

func hasUpper(s string) bool {
	return strings.ToLower(s) != s
}
