package judge

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// assemble turns the checks of a look into its verdict:
//
//   - stable pods above a ceiling with the judge's confidence, now or earlier in the
//     analysis window: a shared fault, Inconclusive at an analysis and nothing at
//     another look, never Fail and never Pass: whatever failed the stable pods is
//     not the canary's doing, and what both tracks did while it lasted says nothing
//     about the canary, so the evidence starts afresh;
//   - stable pods above a ceiling beside a canary that can be neither shown above it
//     nor measured within it (sharedFault's unresolved): a failure is held, neither
//     Fail nor Pass, Inconclusive at an analysis; the evidence is kept, so a canary
//     within its ceilings goes on accumulating it across bursts of the stable pods;
//   - any check failed (dry-run checks aside): Fail, decisive at a look that is not an
//     analysis (only the comparison fails there, and its evidence holds at any look);
//   - at an analysis, a canary pod missing from the window, any check inconclusive, or
//     canary pods running another database mode: Inconclusive;
//   - otherwise, at an analysis, Pass.
func (s *Sequence) assemble(checks []Check, l Look, canary Track, compared bool) Verdict {
	mode := s.cfg.Ceilings.Mode
	v := Verdict{Checks: checks}
	var degraded, failed, undecided, unsure []string
	for _, ch := range checks {
		if ch.fault == unresolved {
			unsure = append(unsure, ch.Name)
		}
		if ch.StableDegraded {
			degraded = append(degraded, fmt.Sprintf("%s %s on the stable pods and %s on the canary, ceiling %s",
				ch.Name, formatValue(ch.Name, ch.Stable), formatKnown(ch.Name, ch.Canary, ch.CanaryKnown), formatValue(ch.Name, ch.Ceiling)))
		}
		if ch.DryRun {
			continue
		}
		switch ch.Verdict {
		case fail:
			failed = append(failed, ch.Why)
		case inconclusive:
			undecided = append(undecided, ch.Why)
		}
	}
	if len(degraded) > 0 {
		s.restart(l, "stable pods degraded alike: "+strings.Join(degraded, "; "))
	} else if s.recovering(l) && s.fault != "" && !strings.HasSuffix(s.fault, recoveringNote) {
		s.fault += recoveringNote
	}
	switch {
	case s.fault != "":
		v.SharedFault = true
		if l.Analysis {
			v.Verdict = inconclusive
		}
		v.Message = s.fault
	case len(failed) > 0 && len(unsure) > 0:
		if l.Analysis {
			v.Verdict = inconclusive
		}
		v.Message = fmt.Sprintf("failure held: the stable pods are above the ceiling of %s and the canary is not yet measured to tell a shared fault: %s",
			strings.Join(unsure, ", "), strings.Join(failed, "; "))
	case len(failed) > 0:
		v.Verdict = fail
		v.Decisive = !l.Analysis
		v.Message = "canary failed: " + strings.Join(failed, "; ")
	case !l.Analysis:
	case len(l.Canary.Gaps) > 0:
		v.Verdict = inconclusive
		v.Message = "canary measurement incomplete: " + strings.Join(l.Canary.Gaps, "; ")
	case len(undecided) > 0:
		v.Verdict = inconclusive
		v.Message = "cannot judge " + strings.Join(undecided, "; ")
	case mode != "" && !onlyMode(canary.Modes, mode):
		v.Verdict = inconclusive
		v.Message = fmt.Sprintf("canary pods report the modes %s, the canary revision runs %s", describeModes(canary.Modes), mode)
	default:
		v.Verdict = pass
		if compared {
			v.Message = "canary no worse than the stable pods, and within every ceiling"
		} else {
			v.Message = "no stable pods to compare with: canary within every ceiling"
		}
	}
	return v
}

// recoveringNote ends the message of a shared fault that is over but whose
// quarantine is not.
const recoveringNote = "; the fault is over, and the judge waits a pool timeout for the acquires it held up to end"

func onlyMode(modes map[string]int, want string) bool {
	return len(modes) == 1 && modes[want] > 0
}

func describeModes(modes map[string]int) string {
	if len(modes) == 0 {
		return "none"
	}
	var parts []string
	for _, m := range slices.Sorted(maps.Keys(modes)) {
		parts = append(parts, fmt.Sprintf("%s:%d", m, modes[m]))
	}
	return strings.Join(parts, ",")
}
