package loadgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Op is one kind of request the generator sends.
type Op string

// The operations, named after the endpoints they exercise.
const (
	// OpParseJD posts a job description to POST /api/v1/parse-jd; its responses feed the
	// session and question ids that the other operations use.
	OpParseJD Op = "parse-jd"
	// OpAnalyzeAnswer posts an answer to a question of a session the run created.
	OpAnalyzeAnswer Op = "analyze-answer"
	// OpServices reads GET /api/v1/services.
	OpServices Op = "services"
	// OpSession reads GET /api/v1/sessions/:id for a session the run created.
	OpSession Op = "session"
)

// allOps lists every operation in a stable order; reports print routes in this order.
var allOps = []Op{OpParseJD, OpAnalyzeAnswer, OpServices, OpSession}

// Ops returns every known operation.
func Ops() []Op { return slices.Clone(allOps) }

// needsSession reports whether the operation reads ids created by parse-jd.
func (o Op) needsSession() bool { return o == OpAnalyzeAnswer || o == OpSession }

func (o Op) valid() bool { return slices.Contains(allOps, o) }

// MixEntry is one operation and its relative weight in a Mix.
type MixEntry struct {
	Op     Op
	Weight int
}

// Mix is the relative frequency of each operation in a run.
type Mix []MixEntry

// ParseMix reads "parse-jd=3,session=1": comma-separated op=weight pairs with positive
// integer weights. An op without "=weight" has weight 1.
func ParseMix(s string) (Mix, error) {
	var m Mix
	seen := map[Op]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, weightText, hasWeight := strings.Cut(part, "=")
		op := Op(strings.TrimSpace(name))
		if !op.valid() {
			return nil, fmt.Errorf("mix: unknown operation %q (known: %s)", op, joinOps(allOps))
		}
		if seen[op] {
			return nil, fmt.Errorf("mix: operation %q given twice", op)
		}
		seen[op] = true
		weight := 1
		if hasWeight {
			w, err := strconv.Atoi(strings.TrimSpace(weightText))
			if err != nil || w < 1 {
				return nil, fmt.Errorf("mix: weight of %q must be a positive integer, got %q", op, weightText)
			}
			weight = w
		}
		m = append(m, MixEntry{Op: op, Weight: weight})
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("mix: no operation in %q", s)
	}
	return m, nil
}

// String renders the mix in the form ParseMix reads.
func (m Mix) String() string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = fmt.Sprintf("%s=%d", e.Op, e.Weight)
	}
	return strings.Join(parts, ",")
}

func (m Mix) validate() error {
	if len(m) == 0 {
		return fmt.Errorf("mix is empty")
	}
	seen := map[Op]bool{}
	for _, e := range m {
		if !e.Op.valid() {
			return fmt.Errorf("mix: unknown operation %q", e.Op)
		}
		if e.Weight < 1 {
			return fmt.Errorf("mix: weight of %q must be positive, got %d", e.Op, e.Weight)
		}
		if seen[e.Op] {
			return fmt.Errorf("mix: operation %q given twice", e.Op)
		}
		seen[e.Op] = true
	}
	return nil
}

// needsSessions reports whether some operation of the mix reads ids created by parse-jd.
func (m Mix) needsSessions() bool {
	return slices.ContainsFunc(m, func(e MixEntry) bool { return e.Op.needsSession() })
}

// schedule spreads the operations over one cycle of sum(weights) slots with the smooth
// weighted round-robin of nginx, so that a run follows the mix exactly over every cycle
// and heavy operations are interleaved with light ones instead of coming in bursts.
func (m Mix) schedule() []Op {
	total := 0
	for _, e := range m {
		total += e.Weight
	}
	current := make([]int, len(m))
	out := make([]Op, 0, total)
	for range total {
		best := 0
		for i, e := range m {
			current[i] += e.Weight
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		out = append(out, m[best].Op)
	}
	return out
}

func joinOps(ops []Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}
