package scoring

import (
	"math"
	"strings"

	"github.com/interviewapi/operator/internal/textmatch"
)

// reasoning matches words that explain why rather than what.
var reasoning = textmatch.MustWordStart(`(?i)\b(?:because|therefore|hence|thus|so that|which means|this means|as a result|trade[\s-]?offs?|downsides?|drawbacks?|advantages?|disadvantages?|however|whereas|although|instead|alternatively|on the other hand|depends on|it depends|at the cost of|in exchange|the reason|otherwise|unless|rather than|compared to|in contrast|caveat|risk)\b`)

// depthScore rewards length (up to about 150 words), technical vocabulary (long or
// domain words, and words of the question itself) and explicit reasoning.
func depthScore(answer string, q Question) int {
	ws := words(answer)
	if len(ws) == 0 {
		return 0
	}
	length := ratio(float64(len(ws)), 150)

	domain := map[string]bool{}
	for _, s := range contentStems(q.Text + " " + strings.Join(q.KeyPoints, " ")) {
		domain[s] = true
	}
	technical := map[string]bool{}
	for _, w := range ws {
		if isStopword(w) {
			continue
		}
		s := stem(w)
		if len(w) >= 8 || domain[s] || strings.ContainsAny(w, "+#.") || hasDigitAndLetter(w) {
			technical[s] = true
		}
	}
	vocabulary := ratio(float64(len(technical)), 15)

	reasons := ratio(float64(countUpTo(reasoning, answer, 3)), 3)

	return clamp(int(math.Round(100 * (0.4*length + 0.3*vocabulary + 0.3*reasons))))
}

func hasDigitAndLetter(w string) bool {
	return strings.ContainsAny(w, "0123456789") && strings.ToLower(w) != strings.ToUpper(w)
}
