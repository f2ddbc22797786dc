package rollout

import "github.com/interviewapi/operator/api/v1alpha1"

// The two tracks, in the order the budget grants growth: the stable pods first, since
// they are the known good ones.
const (
	stableTrack = iota
	canaryTrack
)

// load is one track's demand on the connection budget.
type load struct {
	// occupied is how many pods may hold connections now.
	occupied int32
	// want is how many pods the track should run.
	want int32
	// conns is the most connections one pod of the track may open
	// (PoolSpec.ConnectionsPerPod: its pool and the server's connections outside it):
	// the larger of the old and the new revision's while a template changes.
	conns int32
	// surge is true while the track replaces pods of another template: the rolling
	// update (maxSurge 1) runs one pod more than its replicas.
	surge bool
}

// fit is what the budget allows now.
type fit struct {
	// loads are the demands the fit was computed for.
	loads [2]load
	// pods to plan per track.
	pods [2]int32
	// need is the connections the wanted pods need, surge pods included.
	need int64
	// held is true when the wanted pods are out of reach and waiting will not help:
	// no pod is on its way out and no replacement is running.
	held bool
	// surge per track: the track's Deployment may start one pod more than pods while
	// it replaces pods of another template (see surgeFits).
	surge [2]bool
}

func (f fit) limited() bool {
	return f.pods[stableTrack] != f.loads[stableTrack].want || f.pods[canaryTrack] != f.loads[canaryTrack].want
}

// fitBudget keeps (stable pods + canary pods + surge pods) × connections per pod within
// budget at every moment of a change, not only once it is done. Pods going away are
// still counted until they are gone, so the budget shrinks first and grows second: a
// track that shrinks gets its wanted pods at once, and a track that grows gets as many
// as fit beside what is still running; the rest follows in later passes, as the
// Deployments report pods gone. A nil budget allows everything.
func fitBudget(budget *int32, loads [2]load) fit {
	f := fit{loads: loads, pods: [2]int32{loads[stableTrack].want, loads[canaryTrack].want}}
	var surge int64
	for _, l := range loads {
		if l.surge {
			surge += int64(l.conns)
		}
		f.need += int64(l.want) * int64(l.conns)
	}
	f.need += surge
	if budget == nil {
		f.surge = [2]bool{true, true}
		return f
	}

	shrinking := false
	for i, l := range loads {
		if l.want < l.occupied {
			shrinking = true
		} else {
			f.pods[i] = l.occupied // grown below, as far as the budget allows
		}
	}
	for i, l := range loads {
		if l.want <= l.occupied || l.conns <= 0 {
			f.pods[i] = l.want
			continue
		}
		used := surge
		for j, o := range loads {
			if j != i {
				used += int64(max(o.occupied, f.pods[j])) * int64(o.conns)
			}
		}
		room := (int64(*budget) - used) / int64(l.conns)
		f.pods[i] = int32(max(int64(l.occupied), min(room, int64(l.want))))
	}
	f.held = f.limited() && !shrinking && surge == 0
	f.surge = surgesFit(budget, loads, f.pods)
	return f
}

// surgesFit decides, for each track, whether its rolling update may start one extra
// pod (maxSurge 1) when it replaces pods of another template, or must replace them
// one at a time without it: the extra pod must fit beside every pod of both tracks as
// fitBudget counts them (pods still going away included, at the larger of the old and
// the new revision's connections). It is the one surge decision; the Plan carries it
// to the Deployments (TrackPlan.Surge). A nil budget allows it.
func surgesFit(budget *int32, loads [2]load, pods [2]int32) [2]bool {
	if budget == nil {
		return [2]bool{true, true}
	}
	var used int64
	for i, l := range loads {
		used += int64(max(l.occupied, pods[i])) * int64(l.conns)
	}
	var fits [2]bool
	for i, l := range loads {
		fits[i] = used+int64(l.conns) <= int64(*budget)
	}
	return fits
}

// loadOf describes a track about to run want pods of revision, given its Deployment as
// observed (nil when absent); known finds the settings of a revision by its hash.
func loadOf(obs *DeploymentState, revision v1alpha1.RevisionStatus, want int32, known func(string) *v1alpha1.RevisionStatus) load {
	l := load{occupied: obs.occupied(), want: want, conns: revision.Pool.ConnectionsPerPod()}
	if obs == nil {
		return l
	}
	if obs.Revision != revision.Revision {
		if old := known(obs.Revision); old != nil {
			l.conns = max(l.conns, old.Pool.ConnectionsPerPod())
		}
		l.surge = obs.occupied() > 0
	}
	l.surge = l.surge || obs.replacing()
	return l
}

// PoolFits reports whether replicas pods of pool fit budget with the one surge pod a
// rolling update starts, counted as fitBudget and surgesFit count them: the pool
// advice (internal/advice) asks it, so that an advised pool can be rolled out and
// promoted without being held by the budget. A nil budget allows every pool.
func PoolFits(budget *int32, replicas int32, pool v1alpha1.PoolSpec) bool {
	l := load{occupied: replicas, want: replicas, conns: pool.ConnectionsPerPod(), surge: true}
	f := fitBudget(budget, [2]load{stableTrack: l})
	return !f.limited() && f.surge[stableTrack]
}
