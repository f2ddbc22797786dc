package scoring

import "math"

// coverage is how well an answer covers the expected key points.
type coverage struct {
	score     int      // 0-100, partial credit for partly covered points
	relevance int      // 0-100, how on-topic the answer is (see ScoreAnswer)
	covered   []string // fully enough covered key points
	missed    []string // the others
}

// coveredShare is the share of a key point's meaningful words an answer must use for
// the point to count as covered. Key points are short phrases ("use a context with a
// deadline"); an answer in the candidate's own words rarely repeats all of them.
const coveredShare = 0.5

// analyzeCoverage matches the stems of each key point against the stems of the answer.
// A point counts as covered when at least half its meaningful words occur; partly
// covered points earn partial credit so that the score rises smoothly with content.
func analyzeCoverage(q Question, answer string) coverage {
	ans := contentStems(answer)
	c := coverage{covered: []string{}, missed: []string{}}
	if len(q.KeyPoints) == 0 {
		// Nothing to check against: judge relevance by overlap with the question.
		share := overlap(contentStems(q.Text), ans)
		c.score = clamp(int(math.Round(100 * ratio(share, coveredShare))))
		c.relevance = c.score
		return c
	}
	total := 0.0
	for _, kp := range q.KeyPoints {
		share := overlap(contentStems(kp), ans)
		if share >= coveredShare {
			c.covered = append(c.covered, kp)
		} else {
			c.missed = append(c.missed, kp)
		}
		total += ratio(share, coveredShare)
	}
	c.score = clamp(int(math.Round(100 * total / float64(len(q.KeyPoints)))))
	// Relevance counts whole points only: a stray shared word ("first", "data")
	// earns a little partial coverage but must not make an off-topic essay relevant.
	c.relevance = 100 * len(c.covered) / len(q.KeyPoints)
	return c
}

// overlap is the share of want's stems found in have.
func overlap(want, have []string) float64 {
	if len(want) == 0 {
		return 0
	}
	found := 0
	for _, w := range want {
		for _, h := range have {
			if stemsMatch(w, h) {
				found++
				break
			}
		}
	}
	return float64(found) / float64(len(want))
}
