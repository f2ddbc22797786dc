// Package benchdoc rewrites one benchmark's section of docs/benchmarks.md: the text
// between its start and end markers. Everything outside the markers, including the
// section's heading and any hand-written reading of the figures after the end marker,
// is left as it is.
package benchdoc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// DocHeader starts docs/benchmarks.md when the file does not exist yet.
const DocHeader = `# Benchmarks

Measured figures of this project, one section per benchmark; each section says how to
reproduce it and on which machine it ran. The development machine is a shared virtual
machine with 2 vCPUs (AMD EPYC) and 23 GiB of memory, on which other engineers' builds
and tests often run at the same time: absolute figures are modest and somewhat noisy,
ratios between runs taken side by side are more telling.
`

// Section names one benchmark's part of the document.
type Section struct {
	// Heading is written above the markers when the section is new.
	Heading    string
	Start, End string
}

// Update replaces the section of the document at path with body, appends it when the
// markers are absent, and creates the document when it is missing.
func (s Section) Update(path, body string) error {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		old = []byte(DocHeader)
	} else if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	updated, err := s.Replace(string(old), body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(updated), 0o644)
}

// Replace puts body between the markers of doc (markers included in the result), or
// appends the heading, markers and body when doc has no markers.
func (s Section) Replace(doc, body string) (string, error) {
	block := s.Start + "\n" + strings.TrimSpace(body) + "\n" + s.End
	start := strings.Index(doc, s.Start)
	end := strings.Index(doc, s.End)
	switch {
	case start < 0 && end < 0:
		return strings.TrimRight(doc, "\n") + "\n\n" + s.Heading + "\n\n" + block + "\n", nil
	case start < 0 || end < start || strings.Count(doc, s.Start) > 1 || strings.Count(doc, s.End) > 1:
		return "", fmt.Errorf("the %s … %s markers are damaged; fix them by hand", s.Start, s.End)
	}
	return doc[:start] + block + doc[end+len(s.End):], nil
}
