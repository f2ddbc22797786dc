package advice

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/poolhealth"
)

// SampleOf turns what a window measured of one track's pods, which ran pool, into a
// Sample, or says why the window cannot be one: a measure some pod did not report, or
// pods that ran different engines.
func SampleOf(m poolhealth.Measures, pool v1alpha1.PoolSpec) (Sample, error) {
	for _, v := range []struct {
		name string
		v    poolhealth.Value
	}{{"acquires", m.Acquires}, {"utilisation", m.Utilization}, {"timeout ratio", m.TimeoutRatio}} {
		if !v.v.Known {
			return Sample{}, fmt.Errorf("the %s of the window is unknown: %s", v.name, v.v.Why)
		}
	}
	mode, err := modeOf(m.Modes)
	if err != nil {
		return Sample{}, err
	}
	s := Sample{
		Mode:         mode,
		Pods:         m.Pods,
		Window:       m.Window,
		Acquires:     m.Acquires.V,
		Utilization:  m.Utilization.V,
		TimeoutRatio: m.TimeoutRatio.V,
		Size:         pool.SizeOrDefault(),
		MaxOverflow:  pool.MaxOverflowOrDefault(),
	}
	if w := m.AcquireWaitMean; w.Known {
		s.MeanWait, s.MeanWaitKnown = time.Duration(w.V*float64(time.Second)), true
	}
	return s, nil
}

// modeOf is the one engine every measured pod reported.
func modeOf(modes map[string]int) (string, error) {
	switch len(modes) {
	case 0:
		return "", fmt.Errorf("the pods reported no database mode")
	case 1:
		for mode := range modes {
			return mode, nil
		}
	}
	names := make([]string, 0, len(modes))
	for mode, n := range modes {
		names = append(names, fmt.Sprintf("%d %s", n, mode))
	}
	sort.Strings(names)
	return "", fmt.Errorf("the pods ran different engines (%s)", strings.Join(names, ", "))
}
