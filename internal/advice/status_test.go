package advice

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/poolhealth"
)

func TestNext(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	rec := func(mode string, size, overflow int32) v1alpha1.PoolRecommendation {
		return v1alpha1.PoolRecommendation{Time: metaTime(at), Mode: mode, Size: &size, MaxOverflow: &overflow, Reason: "r"}
	}
	none := None(at, "async", errors.New("150 acquires in 1m0s, fewer than the 200 the advice needs"))
	first := rec("async", 20, 10)
	fitsAll := func(int32, int32) bool { return true }
	for _, tc := range []struct {
		name    string
		last    *v1alpha1.PoolRecommendation
		next    v1alpha1.PoolRecommendation
		fits    func(int32, int32) bool
		changed bool
		want    *v1alpha1.PoolRecommendation
	}{
		{"the first advice", nil, first, fitsAll, true, &first},
		{"the first reason for none", nil, none, fitsAll, true, &none},
		{"a reason for none is not rewritten", &none, None(at, "async", errors.New("other")), fitsAll, false, &none},
		{"too little data keeps the advice", &first, none, fitsAll, false, &first},
		{"advice after none", &none, first, fitsAll, true, &first},
		{"1 of 21 is noise", &first, rec("async", 21, 10), fitsAll, false, &first},
		{"5 of 20 is material", &first, rec("async", 15, 10), fitsAll, true, ptrRec(rec("async", 15, 10))},
		{"another engine", &first, rec("sync", 20, 10), fitsAll, true, ptrRec(rec("sync", 20, 10))},
		{"the stored advice no longer fits the budget", &first, rec("async", 19, 10),
			func(size, overflow int32) bool { return size+overflow < 30 }, true, ptrRec(rec("async", 19, 10))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := Next(tc.last, tc.next, tc.fits)
			if changed != tc.changed || got.Reason != tc.want.Reason || !sameSize(got, tc.want) || got.Mode != tc.want.Mode {
				t.Errorf("Next = %+v changed %v, want %+v changed %v", got, changed, tc.want, tc.changed)
			}
		})
	}
}

func ptrRec(r v1alpha1.PoolRecommendation) *v1alpha1.PoolRecommendation { return &r }

func sameSize(a, b *v1alpha1.PoolRecommendation) bool {
	eq := func(x, y *int32) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eq(a.Size, b.Size) && eq(a.MaxOverflow, b.MaxOverflow)
}

// The status of the starving case of TestRecommend states what it rests on.
func TestAdviceStatus(t *testing.T) {
	s := Sample{Mode: "sync", Pods: 2, Window: time.Minute, Acquires: 6000, Utilization: 1, TimeoutRatio: 0.2, Size: 1, MaxOverflow: 0,
		MeanWait: 400 * time.Millisecond, MeanWaitKnown: true}
	a, err := Recommend(s, Budget{Replicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	overflow := int32(0)
	st := a.Status(time.Date(2026, 12, 1, 12, 0, 0, 500, time.UTC), v1alpha1.TrackStable, v1alpha1.PoolSpec{Size: 1, MaxOverflow: &overflow})
	b := st.BasedOn
	// D = 1.25 + 50/s × 400ms = 21.25; qpois(0.99, 21.25) = 33 (R).
	if *st.Size != 65 || *st.MaxOverflow != 51 || !st.Saturated || b == nil || b.Pool != "1+0" || b.Samples != 6000 ||
		b.Rate != "50.00/s" || b.HoldTime.Duration != 25*time.Millisecond || b.Concurrency != "21.25" || b.P99Concurrency != 33 ||
		b.Window.Duration != time.Minute || b.Pods != 2 || b.Track != "stable" || st.Time.Nanosecond() != 0 {
		t.Errorf("status %+v based on %+v", st, b)
	}
}

func TestSampleOf(t *testing.T) {
	known := func(v float64) poolhealth.Value { return poolhealth.Value{V: v, Known: true} }
	overflow := int32(0)
	pool := v1alpha1.PoolSpec{Size: 1, MaxOverflow: &overflow}
	m := poolhealth.Measures{Pods: 2, Window: time.Minute, Acquires: known(6000), Utilization: known(1), TimeoutRatio: known(0.2), Modes: map[string]int{"sync": 2}}
	s, err := SampleOf(m, pool)
	if err != nil || s != (Sample{Mode: "sync", Pods: 2, Window: time.Minute, Acquires: 6000, Utilization: 1, TimeoutRatio: 0.2, Size: 1, MaxOverflow: 0}) {
		t.Errorf("SampleOf = %+v, %v", s, err)
	}
	m.AcquireWaitMean = known(0.4)
	if s, err := SampleOf(m, pool); err != nil || !s.MeanWaitKnown || s.MeanWait != 400*time.Millisecond {
		t.Errorf("SampleOf with a mean wait of 0.4s = %+v, %v", s, err)
	}
	for name, tc := range map[string]struct {
		mutate func(*poolhealth.Measures)
		want   string
	}{
		"unknown utilisation": {func(m *poolhealth.Measures) { m.Utilization = poolhealth.Value{Why: "missing"} }, "utilisation of the window is unknown: missing"},
		"two engines":         {func(m *poolhealth.Measures) { m.Modes = map[string]int{"sync": 1, "async": 1} }, "different engines (1 async, 1 sync)"},
		"no mode":             {func(m *poolhealth.Measures) { m.Modes = nil }, "no database mode"},
	} {
		mm := m
		tc.mutate(&mm)
		if _, err := SampleOf(mm, pool); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
}

func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t) }
