package jd

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/interviewapi/operator/internal/textmatch"
)

// DefaultRole is the role reported when a job description names none.
const DefaultRole = "Software Engineer"

// maxRoleWords bounds a role title; anything longer is a sentence, not a title.
const maxRoleWords = 8

var (
	// labelledTitle matches a "Title: …" style line.
	labelledTitle = regexp.MustCompile(`(?im)^\s*(?:job\s+title|position\s+title|title|position|role|job)\s*[:\-–—]\s*(.+)$`)
	// hiringPhrase matches "we are hiring a …", "we're looking for an …", "join us as a …".
	// Both alternatives start a word (textmatch.WordStart).
	hiringPhrase = textmatch.MustWordStart(`(?i)\b(?:we\s+are|we're|we’re|are|is|currently)\s+(?:actively\s+|currently\s+)?(?:hiring|looking\s+for|seeking|searching\s+for|recruiting)\s+(?:an?\s+|two\s+|several\s+|experienced\s+|talented\s+)*([^.,;:!?\n()]+)|(?i)\bjoin\s+(?:us|our\s+team|the\s+team)\s+as\s+(?:an?\s+)?([^.,;:!?\n()]+)`)
	// roleNoun ends a role title.
	roleNoun = regexp.MustCompile(`(?i)\b(engineer|developer|programmer|scientist|analyst|architect|administrator|designer|manager|lead|sre|specialist|consultant|intern|tester|devops|researcher|director|head\s+of\s+[a-z]+|cto|officer)s?\b`)
	// phraseStop cuts a role phrase before the rest of the sentence.
	phraseStop = regexp.MustCompile(`(?i)\s+(?:to|who|with|in|at|for|that|which|on|from|joining|based|across|and\s+you|remote|hybrid)\b.*$`)
	// titleNoise removes gender markers, locations and contract types around a title.
	titleNoise = regexp.MustCompile(`(?i)\s*(?:\([^)]*\)|\[[^\]]*\]|\s[-–—|@]\s.*$|,.*$)`)
)

// extractRole finds the role title: an explicit "Title:" line, then a "we are hiring
// a …" sentence, then a short first line that names a role, then the first role noun
// phrase anywhere in the text.
func extractRole(text string) string {
	if m := labelledTitle.FindStringSubmatch(text); m != nil {
		if t := cleanTitle(m[1]); t != "" && roleNoun.MatchString(t) {
			return t
		}
	}
	for _, m := range hiringPhrase.FindAllStringSubmatch(text, 4) {
		phrase := m[1]
		if phrase == "" {
			phrase = m[2]
		}
		phrase = phraseStop.ReplaceAllString(phrase, "")
		// The title ends at its last role noun: "DevOps Engineer", "Engineering Manager".
		if locs := roleNoun.FindAllStringIndex(phrase, -1); locs != nil {
			if t := cleanTitle(phrase[:locs[len(locs)-1][1]]); t != "" {
				return t
			}
		}
	}
	for _, line := range firstLines(text, 3) {
		if strings.HasSuffix(line, ".") || len(strings.Fields(line)) > maxRoleWords+4 {
			continue
		}
		if loc := roleNoun.FindStringIndex(line); loc != nil {
			if t := cleanTitle(line); t != "" {
				return t
			}
		}
	}
	if t := nounPhraseTitle(text); t != "" {
		return t
	}
	return DefaultRole
}

// nounPhraseTitle takes the first role noun in the text with up to three words before
// it, stopping at punctuation or a function word ("… as a Senior Data Engineer you
// will …", "backend developer wanted").
func nounPhraseTitle(text string) string {
	loc := roleNoun.FindStringIndex(text)
	if loc == nil {
		return ""
	}
	// Extend over role nouns that follow directly ("DevOps Engineer").
	for {
		next := roleNoun.FindStringIndex(text[loc[1]:])
		if next == nil || strings.Trim(text[loc[1]:loc[1]+next[0]], " \t") != "" {
			break
		}
		loc[1] += next[1]
	}
	words := strings.Fields(text[:loc[0]])
	start := len(words)
	for start > 0 && len(words)-start < 3 {
		w := words[start-1]
		if strings.ContainsAny(w, ".,;:!?()\"“”") || isFunctionWord(strings.ToLower(w)) {
			break
		}
		start--
	}
	return cleanTitle(strings.Join(append(words[start:], text[loc[0]:loc[1]]), " "))
}

// isFunctionWord lists words that never belong to a role title and so end the words
// collected before a role noun.
func isFunctionWord(w string) bool {
	switch w {
	case "a", "an", "the", "as", "for", "our", "your", "we", "you", "is", "are", "be",
		"and", "or", "of", "to", "with", "in", "on", "at", "by", "from", "this", "that",
		"who", "will", "join", "hire", "hiring", "seeking", "wanted", "new", "other",
		"every", "each", "all", "more", "most", "than", "work", "works", "working":
		return true
	}
	return false
}

func firstLines(text string, n int) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.Trim(line, "#*=_ \t\r"))
		if line == "" {
			continue
		}
		out = append(out, line)
		if len(out) == n {
			break
		}
	}
	return out
}

// cleanTitle trims noise around a title, bounds its length and capitalises a title
// written in lower case ("senior backend engineer" → "Senior Backend Engineer").
func cleanTitle(s string) string {
	s = titleNoise.ReplaceAllString(s, "")
	s = strings.TrimFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '+' && r != '#' && r != ')'
	})
	words := strings.Fields(s)
	if len(words) == 0 {
		return ""
	}
	if len(words) > maxRoleWords {
		words = words[len(words)-maxRoleWords:]
	}
	if strings.ToLower(s) == s {
		for i, w := range words {
			words[i] = capitalise(w)
		}
	}
	return strings.Join(words, " ")
}

// capitalise upper-cases the first letter of a word, and the whole of a short
// acronym-like word such as "sre" or "qa".
func capitalise(w string) string {
	switch w {
	case "sre", "qa", "ml", "ai", "ui", "ux", "api", "devops", "ios", "cto", "it":
		if w == "devops" {
			return "DevOps"
		}
		if w == "ios" {
			return "iOS"
		}
		return strings.ToUpper(w)
	}
	r := []rune(w)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
