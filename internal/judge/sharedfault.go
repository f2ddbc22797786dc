package judge

// faultState is what one check says at a look about a fault shared with the stable
// pods.
type faultState int

const (
	// noFault: the stable pods are within the ceiling, or the canary is measured
	// within it beside stable pods above it — the stable revision's own trouble,
	// which a change that relieves it (a larger pool for a pool that queues) looks
	// like; the canary is judged as usual.
	noFault faultState = iota
	// relieves: the stable pods are above the ceiling with the judge's confidence,
	// and the canary is shown better than them with the same confidence (the
	// comparison's test the other way round): whatever it does against the ceiling,
	// it is not sharing their fault but relieving it. The ceiling, which binds while
	// the stable pods are within it, does not judge the canary; the comparison does.
	relieves
	// degradedAlike: both tracks are above the ceiling with the judge's confidence,
	// and the canary is not shown better.
	// The environment is failing both: a shared fault, whose looks restart the
	// evidence and are never Fail and never Pass.
	degradedAlike
	// unresolved: the stable pods are above the ceiling with the judge's confidence,
	// the canary is neither shown above it nor measured within it (too few acquires
	// since the evidence started, or a value above the ceiling without the
	// confidence). That is no evidence that both degraded alike, so the evidence is
	// kept and goes on accumulating; but a shared fault is not ruled out either, so
	// the check cannot pass while it lasts.
	unresolved
)

// sharedFault is the shared-fault rule of one check. stableAbove and canaryAbove:
// each track's ceiling test reached the judge's confidence since the evidence
// started; canaryWithin: the canary made the check's minimum sample and its value is
// within the ceiling; canaryBetter: the comparison's test the other way round ("the
// stable pods are worse") reached the judge's confidence.
//
// The canary measured within comes first: a track's ceiling test keeps its running
// maximum, so a canary pod that broke the ceiling in one second of a burst (a new
// pod dialling its connections) stays "above" for the rest of the evidence, while
// its value over all of it says how it does. A canary shown better than the
// stable pods comes next: a new pod of a larger pool may break the ceiling in its
// first burst, while it dials its connections, far less than the pool of 2 beside
// it, and that is no fault shared with them. Before this rule, a stable track above
// its ceiling beside a canary not yet measured was a shared fault: under bursts that
// break the stable pods' ceiling every few seconds, each burst restarted the evidence
// and a quarantine of a pool timeout, the canary never made its minimum sample, and a
// step of a larger pool never passed (docs/benchmarks.md).
func sharedFault(stableAbove, canaryAbove, canaryWithin, canaryBetter bool) faultState {
	switch {
	case !stableAbove, canaryWithin:
		return noFault
	case canaryBetter:
		return relieves
	case canaryAbove:
		return degradedAlike
	default:
		return unresolved
	}
}
