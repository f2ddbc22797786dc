package opmetrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/interviewapi/operator/internal/metricnames"
)

// The advised pool is set, removed while there is no advice, and forgotten with the
// instance.
func TestRecommended(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New("test")
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	size, overflow := int32(4), int32(5)
	m.Recommended("ns", "a", &size, &overflow)
	m.Recommended("ns", "b", &size, &overflow)
	m.Recommended("ns", "b", nil, nil)
	want := `
# HELP interviewapi_pool_recommended_max_overflow The pool.maxOverflow per server pod the operator advises (status.recommendation.maxOverflow); absent while there is too little data.
# TYPE interviewapi_pool_recommended_max_overflow gauge
interviewapi_pool_recommended_max_overflow{name="a",namespace="ns"} 5
# HELP interviewapi_pool_recommended_size The pool.size per server pod the operator advises from the measured pool use (status.recommendation.size); absent while there is too little data.
# TYPE interviewapi_pool_recommended_size gauge
interviewapi_pool_recommended_size{name="a",namespace="ns"} 4
`
	names := []string{metricnames.PoolRecommendedSize, metricnames.PoolRecommendedMaxOverflow}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	m.Forget("ns", "a")
	if n, err := testutil.GatherAndCount(reg, names...); err != nil || n != 0 {
		t.Errorf("%d series after Forget (%v), want 0", n, err)
	}
}
