package judge

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// track builds a step's totals by playing seconds of load on a simulated track.
func playTrack(rng *rand.Rand, l load, seconds int) *simTrack {
	s := newSimTrack(rng, l.pods)
	for range seconds {
		s.second(l)
	}
	return s
}

var (
	healthyLoad = load{requests: 10, waits: healthyWaits, timeoutRate: 0.002, errorRate: 0.001, usage: 0.3, pods: 1}
	stableLoad  = load{requests: 30, waits: healthyWaits, timeoutRate: 0.002, errorRate: 0.001, usage: 0.3, pods: 3}
)

// TestLookVerdicts judges a single analysis look (30 seconds of a step) in the
// situations the judge must tell apart.
func TestLookVerdicts(t *testing.T) {
	outage := func(l load) load { l.errorRate, l.timeoutRate = 0.95, 0.04; return l }
	starving := func(l load) load { l.waits, l.timeoutRate, l.usage = starvingWaits, 0.05, 0.95; return l }
	for _, c := range []struct {
		name           string
		canary, stable load
		noStable       bool
		cfg            func(*Config)
		zeroAcquires   bool // the canary answers without touching its pool
		noMetrics      bool // the canary exports no pool metrics
		verdict        string
		message        string
	}{
		{name: "identical tracks pass", canary: healthyLoad, stable: stableLoad, verdict: pass},
		{name: "starving canary fails", canary: starving(healthyLoad), stable: stableLoad, verdict: fail, message: "is worse than the stable pods'"},
		{name: "database down for every pod is a shared fault", canary: outage(healthyLoad), stable: outage(stableLoad),
			verdict: inconclusive, message: "stable pods degraded alike: "},
		{name: "a healthy canary beside starving stable pods is no shared fault: it passes", canary: healthyLoad, stable: starving(stableLoad),
			verdict: pass, message: "no worse than the stable pods"},
		{name: "database down for the canary alone fails", canary: outage(healthyLoad), stable: stableLoad, verdict: fail, message: "errorRatio"},
		{name: "5xx without touching the pool is judged below minAcquires", canary: load{requests: 10, errorRate: 0.5, pods: 1},
			stable: stableLoad, zeroAcquires: true, verdict: fail, message: "errorRatio"},
		{name: "too little traffic is inconclusive", canary: load{requests: 0.3, waits: healthyWaits, usage: 0.3, pods: 1},
			stable: stableLoad, verdict: inconclusive, message: "below 20"},
		{name: "missing metrics are inconclusive", canary: healthyLoad, stable: stableLoad, noMetrics: true, verdict: inconclusive, message: "cannot be computed"},
		{name: "without stable pods the ceilings alone judge: within", canary: healthyLoad, noStable: true, verdict: pass, message: "no stable pods"},
		{name: "without stable pods the ceilings alone judge: above", canary: outage(healthyLoad), noStable: true, verdict: fail, message: "above the ceiling"},
		{name: "a dry-run check is recorded, not acted on", canary: outage(healthyLoad), stable: stableLoad,
			cfg: func(c *Config) {
				c.DryRun = []string{"errorRatio", "acquireTimeoutRatio", "acquireWaitP99", "poolUtilization"}
			}, verdict: pass},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			cfg := defaults()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			canary := playTrack(rng, c.canary, 30).snapshot()
			if c.zeroAcquires {
				canary.Acquires, canary.Timeouts = 0, 0
				canary.Waits = newSimTrack(rng, 1).snapshot().Waits
			}
			if c.noMetrics {
				canary.Waits, canary.HasAcquires, canary.HasUsage = nil, false, false
			}
			var stable Track
			if !c.noStable {
				stable = playTrack(rng, c.stable, 30).snapshot()
			}
			v := NewSequence(cfg).Look(Look{Canary: canary, Stable: stable, Analysis: true})
			if v.Verdict != c.verdict || !strings.Contains(v.Message, c.message) {
				t.Errorf("verdict %s: %s\nwant %s containing %q", v.Verdict, v.Message, c.verdict, c.message)
				for _, ch := range v.Checks {
					t.Logf("  %+v", ch)
				}
			}
			if c.cfg != nil {
				for _, ch := range v.Checks {
					if ch.Name == "errorRatio" && (!ch.DryRun || ch.Verdict != fail) {
						t.Errorf("the dry-run errorRatio check was not recorded as a failure: %+v", ch)
					}
				}
			}
		})
	}
}

// TestSwappingTracksFlipsTheVerdict: a starving pool as the canary fails; the same
// pool as the stable track, with the healthy pool as the canary, does not.
func TestSwappingTracksFlipsTheVerdict(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	bad := load{requests: 20, waits: starvingWaits, timeoutRate: 0.05, errorRate: 0.001, usage: 0.95, pods: 2}
	good := load{requests: 20, waits: healthyWaits, timeoutRate: 0.002, errorRate: 0.001, usage: 0.3, pods: 2}
	b, g := playTrack(rng, bad, 30).snapshot(), playTrack(rng, good, 30).snapshot()
	cfg := defaults()
	// Ceilings out of the way: the stable pods breaking them would make the swap a
	// shared fault, which is another test.
	cfg.Ceilings.MaxAcquireTimeoutRatio, cfg.Ceilings.MaxPoolUtilization, cfg.Ceilings.MaxAcquireWaitP99 = 1, 1, 1<<62
	if v := NewSequence(cfg).Look(Look{Canary: b, Stable: g, Analysis: true}); v.Verdict != fail {
		t.Errorf("starving canary: %s %s", v.Verdict, v.Message)
	}
	v := NewSequence(cfg).Look(Look{Canary: g, Stable: b, Analysis: true})
	if v.Verdict == fail {
		t.Errorf("healthy canary against a starving stable track failed: %s", v.Message)
	}
	for _, ch := range v.Checks {
		if ch.P < 0.5 {
			t.Errorf("%s: p %v shows the better canary as worse", ch.Name, ch.P)
		}
	}
}

// TestSharedFaultRestartsTheEvidence plays a step in which the database fails for
// every pod for ten seconds, and the canary's acquires held up by it end with long
// waits in the ten seconds after: no look fails the canary, the analysis that covers
// the fault is inconclusive with the shared-fault reason, and the next analysis,
// after the quarantine, passes again.
func TestSharedFaultRestartsTheEvidence(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	cfg := defaults()
	cfg.ComparedSteps = 1
	cfg.Quarantine = 10 * time.Second
	seq := NewSequence(cfg)
	c, s := newSimTrack(rng, 1), newSimTrack(rng, 3)
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	recovered := false
	var verdicts []string
	for sec := 1; sec <= 90; sec++ {
		cl, sl := healthyLoad, stableLoad
		if sec > 35 && sec <= 45 {
			// Async canary and sync stable fail differently: the canary's acquires
			// time out, the stable pods' requests fail at once.
			cl.errorRate, cl.timeoutRate, cl.waits = 0.3, 0.65, starvingWaits
			sl.errorRate = 0.97
		}
		c.second(cl)
		s.second(sl)
		if sec > 45 && sec <= 55 {
			// Acquires held up by the fault end now, with the waits of the fault.
			cl.waits = starvingWaits
		}
		v := seq.Look(Look{Time: start.Add(time.Duration(sec) * time.Second), Canary: c.snapshot(), Stable: s.snapshot(), Analysis: sec%30 == 0})
		if v.Verdict == fail {
			t.Fatalf("second %d: a shared fault failed the canary: %s", sec, v.Message)
		}
		recovered = recovered || strings.HasSuffix(v.Message, recoveringNote)
		if sec%30 == 0 {
			verdicts = append(verdicts, v.Verdict+": "+v.Message)
		}
	}
	if !strings.HasPrefix(verdicts[0], pass) || !strings.HasPrefix(verdicts[1], inconclusive+": stable pods degraded alike") || !strings.HasPrefix(verdicts[2], pass) {
		t.Errorf("analyses at 30, 60, 90 s:\n%s\nwant Pass, Inconclusive (shared fault), Pass", strings.Join(verdicts, "\n"))
	}
	t.Logf("analyses:\n%s\nrestarts %d", strings.Join(verdicts, "\n"), seq.Restarts())
	if seq.Restarts() == 0 || !recovered {
		t.Errorf("restarts %d, quarantine reported %v", seq.Restarts(), recovered)
	}
}
