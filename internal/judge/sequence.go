package judge

import (
	"math"
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// Look is what the judge is shown at one sample of a step: what each track did
// since the step started.
type Look struct {
	// Step is the index of the rollout's step, and Time when the look was taken.
	Step           int32
	Time           time.Time
	Canary, Stable Track
	// Analysis is set when an analysis is due (a full interval has passed): the
	// look then gets a full verdict. Other looks only report a decisive failure.
	Analysis bool
}

// comparisons are the four comparison tests: the running maximum of the rank
// test's log mixture, and the rate and usage tests.
type comparisons struct {
	waits            float64
	timeouts, errors RateEvidence
	usage            UsageEvidence
}

// trackEvidence are the ceiling tests of one track.
type trackEvidence struct {
	timeouts, errors, slow CeilingEvidence
}

// Sequence is the comparing judge of one rollout: it is shown a Look at every
// sample of every step and keeps the sequential evidence of each check between
// them. The rate, usage and ceiling tests multiply one factor per look with that
// look's own exposure, so their evidence carries over from one step to the next
// (a new weight only changes the exposure); the rank test compares the waits of
// the current step, and starts again with each step. A new rollout needs a new
// Sequence. It is not safe for concurrent use.
type Sequence struct {
	cfg     Config
	started bool
	step    int32
	// base is the step's totals when the evidence last started: at the step's start,
	// or after a shared fault. Values are read from what happened since.
	base [2]Track
	prev [2]counts
	// Comparison evidence: the running maximum of the rank test's log mixture, and
	// the rate and usage tests.
	waits    float64
	timeouts RateEvidence
	errors   RateEvidence
	usage    UsageEvidence
	// better are the same tests the other way round, "the stable pods are worse
	// than the canary": what tells a canary relieving stable pods above a ceiling
	// from one sharing their fault (sharedFault). They never fail a canary.
	better comparisons
	// ceilings are the ceiling tests of the canary [0] and the stable pods [1].
	ceilings [2]trackEvidence
	// fault is the description of the last shared fault seen since the last
	// analysis, which that analysis reports as Inconclusive.
	fault    string
	restarts int
	// lastFault is when the stable pods were last seen degraded; faultReported is
	// set once an analysis has reported the fault.
	lastFault     time.Time
	faultReported bool
}

// NewSequence starts the judge of a step.
func NewSequence(cfg Config) *Sequence {
	s := &Sequence{cfg: cfg.withDefaults()}
	s.resetEvidence()
	return s
}

// Restarts is how many times a shared fault restarted the evidence of the step.
func (s *Sequence) Restarts() int { return s.restarts }

// Look takes one sample of both tracks and judges it.
func (s *Sequence) Look(l Look) Verdict {
	if !s.started || l.Step != s.step {
		// The sources count a step's totals from its start.
		s.started, s.step = true, l.Step
		s.base, s.prev = [2]Track{}, [2]counts{}
		s.waits, s.better.waits = 0, 0
	}
	compared := l.Stable.Pods > 0
	s.accumulate(l, compared)
	canary, stable := l.Canary.since(s.base[0]), l.Stable.since(s.base[1])
	if compared {
		if rt, ok := s.rankTest(canary, stable); ok {
			s.waits = math.Max(s.waits, rankLogLR(rt))
		}
		if rt, ok := s.rankTest(stable, canary); ok {
			s.better.waits = math.Max(s.better.waits, rankLogLR(rt))
		}
	}
	checks := s.checks(l.Analysis, canary, stable, compared)
	v := s.assemble(checks, l, canary, compared)
	if l.Analysis && s.fault != "" {
		s.faultReported = true
	}
	if s.faultReported && !s.recovering(l) {
		// The fault was reported by an analysis and its quarantine is over.
		s.fault, s.faultReported = "", false
	}
	return v
}

// accumulate feeds the increments since the previous look to the tests: each
// multiplies one factor per look, with that look's own exposure.
func (s *Sequence) accumulate(l Look, compared bool) {
	c, st := l.Canary.counts(s.slowBound()), l.Stable.counts(s.slowBound())
	dc, ds := c.minus(s.prev[0]), st.minus(s.prev[1])
	s.prev = [2]counts{c, st}
	s.ceilings[0].add(dc, l.Canary)
	if !compared {
		return
	}
	s.ceilings[1].add(ds, l.Stable)
	if l.Canary.HasAcquires && l.Stable.HasAcquires {
		s.timeouts.Add(dc.timeouts, dc.acquires, ds.timeouts, ds.acquires)
		s.better.timeouts.Add(ds.timeouts, ds.acquires, dc.timeouts, dc.acquires)
	}
	if l.Canary.HasRequests && l.Stable.HasRequests {
		s.errors.Add(dc.errors, dc.requests, ds.errors, ds.requests)
		s.better.errors.Add(ds.errors, ds.requests, dc.errors, dc.requests)
	}
	if l.Canary.HasUsage && l.Stable.HasUsage && dc.capacity > 0 && ds.capacity > 0 {
		s.usage.Add(dc.busy/dc.capacity, ds.busy/ds.capacity)
		s.better.usage.Add(ds.busy/ds.capacity, dc.busy/dc.capacity)
	}
}

func (e *trackEvidence) add(d counts, t Track) {
	if t.HasAcquires {
		e.timeouts.Add(d.timeouts, d.acquires)
	}
	if t.HasRequests {
		e.errors.Add(d.errors, d.requests)
	}
	if t.Waits != nil {
		e.slow.Add(d.slow, d.waits)
	}
}

// slowBound is the wait above which an acquire counts against the p99 ceiling.
func (s *Sequence) slowBound() float64 { return s.cfg.Ceilings.MaxAcquireWaitP99.Seconds() }

// p99Share is the share of waits a p99 ceiling allows above it.
const p99Share = 0.01

// resetEvidence starts every test afresh.
func (s *Sequence) resetEvidence() {
	s.waits = 0
	s.timeouts, s.errors, s.usage = RateEvidence{}, RateEvidence{}, UsageEvidence{}
	s.better = comparisons{}
	c := s.cfg.Ceilings
	for i := range s.ceilings {
		s.ceilings[i] = trackEvidence{
			timeouts: CeilingEvidence{Ceiling: c.MaxAcquireTimeoutRatio},
			errors:   CeilingEvidence{Ceiling: c.MaxErrorRatio},
			slow:     CeilingEvidence{Ceiling: p99Share},
		}
	}
}

// restart drops the evidence after a shared fault: what both tracks did while the
// environment was failing says nothing about the canary, and must not be read as
// evidence against it once the fault is over.
func (s *Sequence) restart(l Look, why string) {
	s.base = [2]Track{l.Canary, l.Stable}
	s.resetEvidence()
	s.fault, s.faultReported = why, false
	s.lastFault = l.Time
	s.restarts++
}

// recovering reports whether a look falls within the quarantine after a shared
// fault: acquires that began waiting during the fault end, and are counted, up to a
// pool timeout after it, and must not be read as the canary's doing either. The
// evidence starts afresh at every such look.
func (s *Sequence) recovering(l Look) bool {
	if s.lastFault.IsZero() || l.Time.Sub(s.lastFault) >= s.cfg.Quarantine {
		return false
	}
	s.base = [2]Track{l.Canary, l.Stable}
	s.resetEvidence()
	return true
}

// rankTest compares the waits of a since the evidence started with those of b
// ("a waits longer"), once both tracks made enough acquires for the rank statistic
// to be near its normal limit.
func (s *Sequence) rankTest(a, b Track) (RankTest, bool) {
	if a.Waits == nil || b.Waits == nil || !sameBounds(a.Waits, b.Waits) {
		return RankTest{}, false
	}
	if !enough(waitCount(a.Waits), s.cfg.Ceilings.MinAcquires) || !enough(waitCount(b.Waits), s.cfg.Ceilings.MinAcquires) {
		return RankTest{}, false
	}
	return MannWhitney(bucketCounts(a.Waits), bucketCounts(b.Waits))
}

// enough reports whether a sample of n reaches the minimum (and is not empty).
func enough(n, minimum float64) bool { return n > 0 && n >= minimum }

// verdict names, for brevity.
const (
	pass         = v1alpha1.VerdictPass
	fail         = v1alpha1.VerdictFail
	inconclusive = v1alpha1.VerdictInconclusive
)

// quantile is the q-quantile of a track's waits, interpolated inside its bucket as
// poolhealth (and Prometheus' histogram_quantile) does.
func quantile(t Track, q float64) (float64, bool) {
	if t.Waits == nil {
		return 0, false
	}
	v := t.Waits.Quantile(q)
	return v, !math.IsNaN(v)
}
