package rollout

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

func TestFitBudget(t *testing.T) {
	budget := func(n int32) *int32 { return &n }
	tests := []struct {
		name   string
		budget *int32
		loads  [2]load
		pods   [2]int32
		need   int64
		held   bool
	}{
		{"no budget allows everything", nil,
			[2]load{{occupied: 4, want: 4, conns: 50}, {occupied: 0, want: 4, conns: 100}}, [2]int32{4, 4}, 600, false},
		{"growth that fits", budget(300),
			[2]load{{occupied: 4, want: 4, conns: 50}, {occupied: 0, want: 1, conns: 100}}, [2]int32{4, 1}, 300, false},
		{"growth beside pods still going away waits for them", budget(300),
			[2]load{{occupied: 4, want: 2, conns: 50}, {occupied: 1, want: 2, conns: 100}}, [2]int32{2, 1}, 300, false},
		{"partial growth", budget(350),
			[2]load{{occupied: 3, want: 3, conns: 50}, {occupied: 0, want: 3, conns: 100}}, [2]int32{3, 2}, 450, true},
		{"a surge pod counts", budget(300),
			[2]load{{occupied: 4, want: 4, conns: 50, surge: true}, {occupied: 0, want: 1, conns: 100}}, [2]int32{4, 0}, 350, false},
		{"shrinking is never limited", budget(10),
			[2]load{{occupied: 4, want: 0, conns: 50}, {occupied: 4, want: 1, conns: 100}}, [2]int32{0, 1}, 100, false},
		{"a growing track never shrinks", budget(100),
			[2]load{{occupied: 4, want: 5, conns: 50}, {occupied: 0, want: 0, conns: 100}}, [2]int32{4, 0}, 250, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fitBudget(tt.budget, tt.loads)
			if f.pods != tt.pods || f.need != tt.need || f.held != tt.held {
				t.Errorf("fit = pods %v need %d held %v, want %v %d %v", f.pods, f.need, f.held, tt.pods, tt.need, tt.held)
			}
		})
	}
}

// TestSurgesFit: whether a rolling update may start its one extra pod. The cases are
// those of the renderer's former SurgeFits (a pool of 20+30), which this replaces: the
// other track's connections are what it may hold, and a budget of exactly the
// replicas leaves no room for the extra pod.
func TestSurgesFit(t *testing.T) {
	budget := func(n int32) *int32 { return &n }
	pool := func(pods int32) load { return load{occupied: pods, want: pods, conns: 50} }
	other := func(conns int32) load { return load{occupied: 1, want: 1, conns: conns} }
	tests := []struct {
		name   string
		budget *int32
		loads  [2]load
		pods   [2]int32
		want   bool
	}{
		{"no budget", nil, [2]load{pool(100), {}}, [2]int32{100, 0}, true},
		{"room for the surge pod", budget(250), [2]load{pool(4), {}}, [2]int32{4, 0}, true},
		{"budget exactly the replicas", budget(200), [2]load{pool(4), {}}, [2]int32{4, 0}, false},
		{"other track's connections count", budget(300), [2]load{pool(4), other(51)}, [2]int32{4, 1}, false},
		{"other track fits", budget(300), [2]load{pool(4), other(50)}, [2]int32{4, 1}, true},
		{"pods still going away count", budget(250), [2]load{{occupied: 5, want: 4, conns: 50}, {}}, [2]int32{4, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := surgesFit(tt.budget, tt.loads, tt.pods)[stableTrack]; got != tt.want {
				t.Errorf("surgesFit = %v, want %v", got, tt.want)
			}
		})
	}
}

// budgetWorld checks, at every applied plan, that the pods of both tracks never hold
// more than the budget: pods being removed are counted until the world settles, and
// a Deployment changing its template counts one surge pod.
type budgetWorld struct {
	*world
	limit int64
	peak  int64
}

func (b *budgetWorld) pass() Plan {
	b.t.Helper()
	in := b.input(nil)
	p := Decide(in)
	b.check(p)
	b.apply(p)
	return p
}

func (b *budgetWorld) analyse(verdict string) Plan {
	b.t.Helper()
	in := b.input(nil)
	if first := Decide(in); first.Analysis == nil {
		b.t.Fatalf("no analysis due at %s", b.now.Sub(t0))
	}
	in.Analysis = analysisResult(verdict, b.now)
	p := Decide(in)
	b.check(p)
	b.apply(p)
	return p
}

func (b *budgetWorld) check(p Plan) {
	b.t.Helper()
	var total int64
	for _, tr := range []struct {
		obs  *DeploymentState
		plan *TrackPlan
	}{{b.stable, &p.Stable}, {b.canary, p.Canary}} {
		if tr.obs == nil && tr.plan == nil {
			continue
		}
		pods, conns := int64(0), int64(0)
		if tr.obs != nil {
			pods = int64(tr.obs.occupied())
			if r := knownRevision(&p.Status, tr.obs.Revision); r != nil {
				conns = int64(r.Pool.ConnectionsPerPod())
			}
		}
		if tr.plan != nil {
			pods = max(pods, int64(tr.plan.Replicas))
			conns = max(conns, int64(tr.plan.Revision.Pool.ConnectionsPerPod()))
			if tr.obs != nil && tr.obs.Revision != tr.plan.Revision.Revision && tr.obs.occupied() > 0 {
				pods++ // one surge pod while the template is replaced
			}
		}
		total += pods * conns
	}
	b.peak = max(b.peak, total)
	if total > b.limit {
		b.t.Fatalf("at %s the plan (stable %d, canary %s) lets the pods hold %d connections, over the budget %d",
			b.now.Sub(t0), p.Stable.Replicas, canaryReplicas(p), total, b.limit)
	}
}

func TestBudgetIsNeverExceededThroughARollout(t *testing.T) {
	// Stable: sync, 20+30 = 50 connections in the pool, 53 a pod with the server's 3
	// outside it. Canary: async with a pool of 40+30, 73 a pod. The API server requires
	// the budget to hold 4 × 73 = 292; 300 leaves no room for both tracks at full size
	// at once.
	limit := int32(300)
	w := &budgetWorld{world: newWorld(t, newInstance(func(in *v1alpha1.InterviewAPI) {
		in.Spec.Database.MaxServerConnections = &limit
	})), limit: 300}
	w.settleOnApply = false
	w.settle()
	w.setSpec(withAsync(true), withPoolSize(40))

	for i := 0; i < 60 && (w.obj.Status.Canary != nil || w.canary == nil || w.stable.Revision != w.obj.Status.Stable.Revision || w.canary != nil); i++ {
		w.advance(30 * time.Second)
		var p Plan
		if first := Decide(w.input(nil)); first.Analysis != nil {
			p = w.analyse(v1alpha1.VerdictPass)
		} else {
			p = w.pass()
		}
		if p.Status.Phase == v1alpha1.PhaseHealthy && p.Canary == nil && w.canary == nil {
			break
		}
		if c := conditionOf(p.Status, v1alpha1.ConditionDegraded); c.Status == metav1.ConditionTrue {
			t.Fatalf("pass %d: %s: %s", i, c.Reason, c.Message)
		}
		w.settle()
	}
	if w.obj.Status.Stable.Revision != revisionOf(withAsync(true), withPoolSize(40)).Revision || w.canary != nil || w.stable.Replicas != 4 {
		t.Fatalf("rollout did not finish: stable %s canary %v replicas %d phase %s", w.obj.Status.Stable.Revision, w.canary, w.stable.Replicas, w.obj.Status.Phase)
	}
	if w.peak < 4*73 {
		t.Errorf("peak %d connections: the check saw less than the promoted pods alone (292)", w.peak)
	}
}

func TestBudgetHoldsAStepThatCannotFit(t *testing.T) {
	// The stable pods (pool 70+30, 103 connections each with the server's 3 outside
	// the pool) already hold 412 when the spec moves to a pool of 20+30 and a budget
	// of 250: the first step needs 3 × 103 + 1 × 53.
	w := newWorld(t, newInstance(withPoolSize(70)))
	limit := int32(250)
	w.setSpec(withPoolSize(20), func(in *v1alpha1.InterviewAPI) { in.Spec.Database.MaxServerConnections = &limit })
	p := w.pass()

	if p.Stable.Replicas != 4 || p.Canary == nil || p.Canary.Replicas != 0 {
		t.Fatalf("plan stable %d canary %s, want the pods left where they are", p.Stable.Replicas, canaryReplicas(p))
	}
	c := conditionOf(p.Status, v1alpha1.ConditionDegraded)
	want := "step 1/3 (25%) needs 3 stable pods × 103 + 1 canary pods × 53 connections = 362, more than spec.database.maxServerConnections 250; holding at 4 stable and 0 canary pods"
	if c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonBudgetHeld || c.Message != want {
		t.Fatalf("Degraded %+v\nwant message %s", c, want)
	}
	if p.Status.Phase != v1alpha1.PhaseProgressing || conditionOf(p.Status, v1alpha1.ConditionProgressing).Reason != v1alpha1.ReasonBudgetHeld {
		t.Errorf("phase %s progressing %+v", p.Status.Phase, conditionOf(p.Status, v1alpha1.ConditionProgressing))
	}
	assertEvent(t, p, "Warning", v1alpha1.ReasonBudgetHeld)

	// Held past the progress deadline: a hold is not a failure, and it is reported once.
	w.advance(time.Hour)
	p = w.pass()
	if p.Status.Phase != v1alpha1.PhaseProgressing || len(p.Events) != 0 || p.RequeueAfter != 0 {
		t.Fatalf("an hour later: phase %s events %v requeue %s", p.Status.Phase, eventReasons(p), p.RequeueAfter)
	}

	// A larger budget releases the step with a fresh progress deadline.
	limit = 500
	w.obj.Generation++
	p = w.pass()
	if p.Canary.Replicas != 1 || conditionOf(p.Status, v1alpha1.ConditionDegraded).Status != metav1.ConditionFalse {
		t.Fatalf("released: canary %s degraded %+v", canaryReplicas(p), conditionOf(p.Status, v1alpha1.ConditionDegraded))
	}
	if !p.Status.StepSetTime.Time.Equal(w.now) {
		t.Errorf("stepSetTime %s, want the release time %s", p.Status.StepSetTime, w.now)
	}
	if !strings.HasPrefix(conditionOf(p.Status, v1alpha1.ConditionProgressing).Reason, "Rollout") {
		t.Errorf("progressing %+v", conditionOf(p.Status, v1alpha1.ConditionProgressing))
	}
}

// PoolFits: (replicas + 1 surge pod) × (size + maxOverflow + 3) ≤ budget, the 3 being
// v1alpha1.ServerConnectionsOutsidePool.
func TestPoolFits(t *testing.T) {
	pool := func(size, overflow int32) v1alpha1.PoolSpec {
		return v1alpha1.PoolSpec{Size: size, MaxOverflow: &overflow}
	}
	budget := func(n int32) *int32 { return &n }
	for _, tc := range []struct {
		name     string
		budget   *int32
		replicas int32
		pool     v1alpha1.PoolSpec
		want     bool
	}{
		{"no budget", nil, 100, pool(1000, 1000), true},
		{"3 × 24 in 72 exactly", budget(72), 2, pool(11, 10), true},
		{"3 × 25 in 72", budget(72), 2, pool(11, 11), false},
		{"the surge pod is what does not fit", budget(48), 2, pool(11, 10), false},
		{"one replica: 2 × 4 in 8", budget(8), 1, pool(1, 0), true},
	} {
		if got := PoolFits(tc.budget, tc.replicas, tc.pool); got != tc.want {
			t.Errorf("%s: PoolFits = %v, want %v", tc.name, got, tc.want)
		}
	}
}
