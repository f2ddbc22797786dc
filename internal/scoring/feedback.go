package scoring

import (
	"fmt"
	"strings"
)

// Thresholds at which a dimension is worth praising, or worth a suggestion.
const (
	strongAt = 70
	weakAt   = 50
)

// strengths writes what the answer does well, most important first.
func strengths(b Breakdown, cov coverage, kind string) []string {
	out := []string{}
	switch {
	case len(cov.missed) == 0 && len(cov.covered) > 0:
		out = append(out, fmt.Sprintf("Covers every expected point: %s.", joinPoints(cov.covered)))
	case b.Coverage >= strongAt && len(cov.covered) > 0:
		out = append(out, fmt.Sprintf("Covers most of the expected points, including %s.", joinPoints(cov.covered)))
	case len(cov.covered) > 0:
		out = append(out, fmt.Sprintf("Addresses %s.", joinPoints(cov.covered)))
	}
	if b.Depth >= strongAt {
		out = append(out, "Goes beyond definitions: explains the reasons and trade-offs behind the choices.")
	}
	if b.Structure >= strongAt {
		if kind == "behavioral" {
			out = append(out, "Tells the story in a clear order: the situation, what you did and how it ended.")
		} else {
			out = append(out, "Well organised: the answer is easy to follow from one step to the next.")
		}
	}
	if b.Examples >= strongAt {
		switch kind {
		case "coding":
			out = append(out, "Shows concrete code rather than only describing it.")
		case "behavioral":
			out = append(out, "Grounds the story in a real situation with concrete details and results.")
		default:
			out = append(out, "Backs the explanation with concrete examples and figures.")
		}
	}
	return out
}

// improvements writes what would raise the score, the missed key points first since
// they weigh most.
func improvements(b Breakdown, cov coverage, kind, answer string) []string {
	out := []string{}
	if strings.TrimSpace(answer) == "" {
		out = append(out, "Write an answer: there is nothing to assess yet.")
	}
	for _, kp := range cov.missed {
		out = append(out, fmt.Sprintf("Address this expected point: %s.", strings.TrimRight(kp, ".")))
	}
	if b.Depth < weakAt {
		out = append(out, "Go deeper: explain why, and name the trade-offs and alternatives you considered.")
	}
	if b.Structure < weakAt {
		if kind == "behavioral" {
			out = append(out, "Structure the story: describe the situation, your task, the actions you took and the result.")
		} else {
			out = append(out, "Organise the answer into steps or short paragraphs, using words like first, then and finally.")
		}
	}
	if b.Examples < weakAt {
		switch kind {
		case "coding":
			out = append(out, "Show the code, or at least its key lines, and state its time and space complexity.")
		case "behavioral":
			out = append(out, "Use a specific example from your own experience, with measurable results.")
		default:
			out = append(out, "Add a concrete example, such as a case from a past project or figures that show the effect.")
		}
	}
	return out
}

// joinPoints lists key points in prose: "a", "a and b", "a, b and c".
func joinPoints(points []string) string {
	trimmed := make([]string, len(points))
	for i, p := range points {
		trimmed[i] = strings.TrimRight(p, ".")
	}
	switch len(trimmed) {
	case 0:
		return ""
	case 1:
		return trimmed[0]
	default:
		return strings.Join(trimmed[:len(trimmed)-1], ", ") + " and " + trimmed[len(trimmed)-1]
	}
}
