package scoring

import (
	"testing"

	"github.com/interviewapi/operator/internal/textmatch"
	"github.com/interviewapi/operator/internal/textmatch/textmatchtest"
)

// TestCountedPhrasesMatchLikeRegexp pins textmatch.WordStart on the phrases the scores
// count: on answers like the corpus's and on 1,500 generated texts of each
// expression's own words, they find what regexp finds.
func TestCountedPhrasesMatchLikeRegexp(t *testing.T) {
	answers := []string{
		"First, I would profile it. Because the p99 went from 120ms to 40 ms we kept it; however, the trade-off is memory.",
		"In my last project we migrated 3 services (e.g. billing) to Go; as a result latency dropped by 35%. Situation: outage. Task: fix. Result: 2x faster.",
		"Finally, it depends on the load: 10k rps, 5 nodes, 2 engineers. Once we had 50 GB of logs for instance.",
	}
	for name, re := range map[string]*textmatch.WordStart{
		"reasoning": reasoning, "exampleMarker": exampleMarker, "ordering": ordering, "star": star,
	} {
		textmatchtest.Check(t, name, re, answers, 1500)
	}
}
