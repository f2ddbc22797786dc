package loadgen

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// The request bodies come from a small set of realistic texts, so that the server parses,
// matches and scores the kind of input it sees in production rather than lorem ipsum.
//
//go:embed corpus/*.txt
var corpusFS embed.FS

// Corpus holds the texts the generator sends.
type Corpus struct {
	// JobDescriptions are sent by parse-jd, in turn.
	JobDescriptions []string
	// Answers are sent by analyze-answer, in turn.
	Answers []string
}

// DefaultCorpus returns the embedded job descriptions (one per role: backend, frontend,
// data, SRE, mobile, ML, security, management) and candidate answers of varied quality.
func DefaultCorpus() (Corpus, error) {
	var c Corpus
	names, err := fs.Glob(corpusFS, "corpus/*.txt")
	if err != nil {
		return c, fmt.Errorf("listing the embedded corpus: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := corpusFS.ReadFile(name)
		if err != nil {
			return c, fmt.Errorf("reading %s: %w", name, err)
		}
		text := string(b)
		if name == "corpus/answers.txt" {
			for _, a := range strings.Split(text, "\n---\n") {
				if a = strings.TrimSpace(a); a != "" {
					c.Answers = append(c.Answers, a)
				}
			}
			continue
		}
		c.JobDescriptions = append(c.JobDescriptions, strings.TrimSpace(text))
	}
	if len(c.JobDescriptions) == 0 || len(c.Answers) == 0 {
		return c, fmt.Errorf("embedded corpus is incomplete: %d job descriptions, %d answers", len(c.JobDescriptions), len(c.Answers))
	}
	return c, nil
}
