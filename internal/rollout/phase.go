package rollout

import "github.com/interviewapi/operator/api/v1alpha1"

// phases are the phases in the order of their PhaseNumber.
var phases = [...]v1alpha1.Phase{
	v1alpha1.PhaseHealthy,
	v1alpha1.PhaseProgressing,
	v1alpha1.PhasePaused,
	v1alpha1.PhaseDegraded,
	v1alpha1.PhaseRolledBack,
}

// PhaseNumber is the value of the interviewapi_rollout_phase gauge for a phase:
// 0 Healthy, 1 Progressing, 2 Paused, 3 Degraded, 4 RolledBack, and -1 for an empty or
// unknown phase.
func PhaseNumber(p v1alpha1.Phase) float64 {
	for i, q := range phases {
		if p == q {
			return float64(i)
		}
	}
	return -1
}
