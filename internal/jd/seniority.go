package jd

import (
	"regexp"
	"strconv"

	"github.com/interviewapi/operator/internal/textmatch"
)

// Seniority levels reported by Parse.
const (
	Junior = "junior"
	Mid    = "mid"
	Senior = "senior"
	Lead   = "lead"
)

// Seniorities lists the levels from least to most senior.
func Seniorities() []string { return []string{Junior, Mid, Senior, Lead} }

// Words for the junior and mid levels, the same in titles and bodies.
const (
	juniorPattern = `junior|jr\.?|intern|internship|graduate|grad|entry[\s-]level|trainee|apprentice|new\s+grad|working\s+student|early[\s-]career`
	midPattern    = `mid[\s-]?level|mid[\s-]senior|intermediate|medior`
)

// bodyLevelPattern matches level phrases in a description's body, one group per level
// (junior, lead, senior, mid). It is narrower than the title words: "you will lead …"
// or "report to the engineering manager" say nothing about the level.
const bodyLevelPattern = `(?i)\b(?:` +
	`(` + juniorPattern + `)|` +
	`(tech(?:nical)?\s+lead|team\s+lead|lead\s+(?:engineer|developer)|principal|staff\s+(?:engineer|developer|scientist)|head\s+of)|` +
	`(senior|sr\.?|snr)|` +
	`(` + midPattern + `))\b`

var (
	// Title words: a title states the level, so broad words count there.
	leadWords   = regexp.MustCompile(`(?i)\b(?:lead|leading\s+a\s+team|principal|staff|head\s+of|director|vp|vice\s+president|chief|cto|engineering\s+manager|manager|architect)\b`)
	seniorWords = regexp.MustCompile(`(?i)\b(?:senior|sr\.?|snr|expert|seasoned|experienced)\b`)
	juniorWords = regexp.MustCompile(`(?i)\b(?:` + juniorPattern + `)\b`)
	midWords    = regexp.MustCompile(`(?i)\b(?:` + midPattern + `)\b`)

	// bodyLevel finds level phrases in a description's body (bodyLevelPattern); every
	// phrase starts a word, which textmatch.WordStart makes quick to find.
	bodyLevel = textmatch.MustWordStart(bodyLevelPattern)
	// others marks a level word that describes colleagues, not the hire ("mentor
	// junior engineers", "work alongside senior developers").
	others = regexp.MustCompile(`(?i)\b(?:mentor|mentoring|coach|coaching|guide|guiding|support|supporting|alongside|with|from|by|to|of)\s+(?:our\s+|other\s+|the\s+|more\s+)?$`)
	// years matches "5+ years", "3-5 years", "at least 7 years", "minimum of 4 yrs".
	years            = regexp.MustCompile(`(?i)\b(\d{1,2})\s*(?:\+|plus)?\s*(?:(?:-|–|to)\s*\d{1,2}\s*)?\+?\s*(?:years?|yrs?)\b`)
	experienceAfter  = regexp.MustCompile(`(?i)^[^.;!?\n]*\bexperien`)
	experienceBefore = regexp.MustCompile(`(?i)\b(?:at\s+least|minimum(?:\s+of)?|min\.?)\s*$`)
)

// extractSeniority decides the level from the role title first (a title is the
// employer's own statement), then from the years of experience asked for, then from
// level words in the body, and defaults to mid.
func extractSeniority(text, title string) string {
	if s, ok := levelFromWords(title); ok {
		return s
	}
	if s, ok := levelFromYears(text); ok {
		return s
	}
	if s, ok := levelFromBody(text); ok {
		return s
	}
	return Mid
}

// levelFromBody counts level phrases that describe the hire and returns the most
// frequent; ties go to the more specific level (junior, lead, senior, mid). One
// combined expression scans the text once: the body can be long.
func levelFromBody(text string) (string, bool) {
	levels := []string{Junior, Lead, Senior, Mid} // in the order of bodyLevel's groups
	counts := make([]int, len(levels))
	for _, m := range bodyLevel.FindAllStringSubmatchIndex(text, -1) {
		before := text[max(0, m[0]-30):m[0]]
		if others.MatchString(before) {
			continue
		}
		for g := range levels {
			if m[2+2*g] >= 0 {
				counts[g]++
				break
			}
		}
	}
	best := -1
	for g, n := range counts {
		if n > 0 && (best < 0 || n > counts[best]) {
			best = g
		}
	}
	if best < 0 {
		return "", false
	}
	return levels[best], true
}

// levelFromWords reads a title. It checks the most specific words first: "Junior" in a text that
// also mentions "senior engineers" you will learn from is a junior role, and a
// "Senior Staff" title is a lead one.
func levelFromWords(s string) (string, bool) {
	switch {
	case juniorWords.MatchString(s):
		return Junior, true
	case leadWords.MatchString(s):
		return Lead, true
	case seniorWords.MatchString(s):
		return Senior, true
	case midWords.MatchString(s):
		return Mid, true
	}
	return "", false
}

// levelFromYears maps the smallest number of years of experience the text asks for to
// a level. Only years near the word "experience" (or after "at least"/"minimum") count,
// so "20 years in business" says nothing about the role.
func levelFromYears(text string) (string, bool) {
	least := -1
	for _, loc := range years.FindAllStringSubmatchIndex(text, -1) {
		after := text[loc[1]:min(len(text), loc[1]+60)]
		before := text[max(0, loc[0]-20):loc[0]]
		if !experienceAfter.MatchString(after) && !experienceBefore.MatchString(before) {
			continue
		}
		n, err := strconv.Atoi(text[loc[2]:loc[3]])
		if err != nil || n > 40 {
			continue
		}
		if least < 0 || n < least {
			least = n
		}
	}
	switch {
	case least < 0:
		return "", false
	case least <= 1:
		return Junior, true
	case least <= 4:
		return Mid, true
	case least <= 9:
		return Senior, true
	default:
		return Lead, true
	}
}
