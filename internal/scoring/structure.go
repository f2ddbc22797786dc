package scoring

import (
	"math"
	"regexp"
	"strings"

	"github.com/interviewapi/operator/internal/textmatch"
)

var (
	sentenceEnd    = regexp.MustCompile(`[.!?](?:\s|$)`)
	paragraphBreak = regexp.MustCompile(`\n\s*\n`)
	ordering       = textmatch.MustWordStart(`(?i)\b(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|then|next|after that|afterwards|finally|lastly|in the end|to start|to begin|step \d|in summary|to summarise|to summarize|overall)\b`)
	// star matches the parts of a Situation–Task–Action–Result story.
	star = textmatch.MustWordStart(`(?i)\b(?:situation|context|the problem was|task|my role|goal|action|i decided|i proposed|result|outcome|in the end|learned|learnt|as a result)\b`)
)

// structureScore rewards several sentences of reasonable length, visible organisation
// (paragraphs or a list) and ordering words; for behavioural answers, the shape of a
// situation–task–action–result story.
func structureScore(answer, kind string) int {
	text := strings.TrimSpace(answer)
	if text == "" {
		return 0
	}
	sentences := len(sentenceEnd.FindAllStringIndex(text+" ", -1))
	sentences = max(sentences, 1)
	n := len(words(text))
	avg := float64(n) / float64(sentences)
	readable := 1.0
	if avg > 30 {
		readable = math.Max(0, 1-(avg-30)/30) // run-on sentences
	}
	paragraphs := len(paragraphBreak.FindAllStringIndex(text, -1)) + 1
	organised := math.Max(ratio(float64(paragraphs-1), 2), ratio(float64(listItems(text, 3)), 3))
	order := ratio(float64(countUpTo(ordering, text, 3)), 3)

	var s float64
	if kind == "behavioral" {
		storyShape := ratio(float64(countUpTo(star, text, 4)), 4)
		s = 0.3*ratio(float64(sentences), 5) + 0.15*readable + 0.15*organised + 0.1*order + 0.3*storyShape
	} else {
		s = 0.3*ratio(float64(sentences), 5) + 0.2*readable + 0.25*organised + 0.25*order
	}
	// A single short sentence is not structured however it is punctuated.
	s *= ratio(float64(n), 25)
	return clamp(int(math.Round(100 * s)))
}

// listItems counts lines that start a bulleted or numbered list item, up to limit.
func listItems(text string, limit int) int {
	n := 0
	for line := range strings.Lines(text) {
		if n >= limit {
			break
		}
		if isListItem(strings.TrimLeft(line, " \t")) {
			n++
		}
	}
	return n
}

// isListItem recognises "- x", "* x", "• x", "1. x" and "1) x".
func isListItem(line string) bool {
	for _, bullet := range []string{"- ", "* ", "• "} {
		if strings.HasPrefix(line, bullet) {
			return true
		}
	}
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(line) && (line[i] == '.' || line[i] == ')') && line[i+1] == ' '
}
