package judge

import (
	"cmp"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/interviewapi/operator/internal/poolhealth"
)

// bounds are the server's acquire-wait buckets (internal/poolstats).
var bounds = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075,
	0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, math.Inf(1)}

// healthyWaits is a healthy pool's wait distribution over bounds: most acquires find
// an idle connection at once, a few wait for one to be returned.
var healthyWaits = []float64{0.80, 0.08, 0.04, 0.03, 0.02, 0.01, 0.008, 0.006, 0.003, 0.002, 0.001}

// starvingWaits is a pool too small for its load: most acquires queue.
var starvingWaits = []float64{0.05, 0.02, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.2, 0.1, 0.05, 0.04, 0.02, 0.01, 0.01}

// load is what a simulated track does per second.
type load struct {
	requests    float64 // requests per second, one acquire each
	waits       []float64
	timeoutRate float64 // share of acquires that time out
	errorRate   float64 // share of requests answered 5xx, on top of the timeouts
	usage       float64 // mean share of the pool in use
	// scale multiplies the rollout's request rate this second (a burst), the same
	// for both tracks.
	scale float64
	pods  int
}

// simTrack accumulates a simulated track: cumulative counters as a source returns
// them for the step so far.
type simTrack struct {
	t    Track
	rng  *rand.Rand
	pois distuv.Poisson
}

func newSimTrack(rng *rand.Rand, pods int) *simTrack {
	h := &poolhealth.Histogram{Buckets: make([]poolhealth.Bucket, len(bounds))}
	for i, b := range bounds {
		h.Buckets[i].UpperBound = b
	}
	return &simTrack{
		t:    Track{Pods: pods, Waits: h, HasAcquires: true, HasRequests: true, HasUsage: true},
		rng:  rng,
		pois: distuv.Poisson{Lambda: 1, Src: rng},
	}
}

func (s *simTrack) poisson(mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	s.pois.Lambda = mean
	return s.pois.Rand()
}

// second adds one second of l's traffic: each bucket, the timeouts and the errors
// are independent Poisson counts (the splitting of a Poisson stream of requests).
func (s *simTrack) second(l load) {
	var acquires float64
	for i, p := range l.waits {
		n := s.poisson(l.requests * p * (1 - l.timeoutRate))
		acquires += n
		for j := i; j < len(bounds); j++ {
			s.t.Waits.Buckets[j].Count += n
		}
	}
	// A timed-out acquire waited the pool timeout: the +Inf bucket stands for it.
	timeouts := s.poisson(l.requests * l.timeoutRate)
	s.t.Waits.Buckets[len(bounds)-1].Count += timeouts
	acquires += timeouts
	s.t.Acquires += acquires
	s.t.Timeouts += timeouts
	errs := s.poisson(l.requests*l.errorRate) + timeouts
	s.t.Requests += s.poisson(l.requests*(1-l.errorRate-l.timeoutRate)) + errs
	s.t.ServerErrors += errs
	capacity := float64(5 * l.pods)
	s.t.CapacitySeconds += capacity
	s.t.BusySeconds += capacity * math.Min(1, math.Max(0, l.usage+0.05*s.rng.NormFloat64()))
}

// snapshot copies the track's totals, histogram included.
func (s *simTrack) snapshot() Track {
	t := s.t
	h := *s.t.Waits
	h.Buckets = append([]poolhealth.Bucket(nil), s.t.Waits.Buckets...)
	h.Count = h.Buckets[len(h.Buckets)-1].Count
	t.Waits = &h
	return t
}

// rollout is one simulated rollout: its steps, each analysed at every second for
// pause seconds with an analysis every interval seconds.
type rollout struct {
	replicas int
	weights  []int
	pause    int // seconds
	interval int // seconds
	total    float64
	canary   func(step, second int) load
	stable   func(step, second int) load
}

// outcome is how a simulated rollout ended.
type outcome struct {
	failed, decisive bool
	// at is the second of the step the failure was decided in, and step its step.
	at, step int
	verdict  Verdict
}

// run plays the rollout against the judge with cfg, stopping at the first failure.
func (r rollout) run(rng *rand.Rand, cfg Config) outcome {
	cfg.ComparedSteps = len(r.weights)
	seq := NewSequence(cfg)
	for step, w := range r.weights {
		nc := max(1, (r.replicas*w+99)/100)
		ns := r.replicas - nc
		c, st := newSimTrack(rng, nc), newSimTrack(rng, ns)
		for sec := 1; sec <= r.pause; sec++ {
			cl, sl := r.canary(step, sec), r.stable(step, sec)
			cl.pods, sl.pods = nc, ns
			cl.requests = r.total * cmp.Or(cl.scale, 1) * float64(nc) / float64(r.replicas)
			sl.requests = r.total * cmp.Or(sl.scale, 1) * float64(ns) / float64(r.replicas)
			c.second(cl)
			st.second(sl)
			v := seq.Look(Look{Step: int32(step), Canary: c.snapshot(), Stable: st.snapshot(), Analysis: sec%r.interval == 0})
			if v.Verdict == fail {
				return outcome{failed: true, decisive: v.Decisive, at: sec, step: step, verdict: v}
			}
		}
	}
	return outcome{}
}
