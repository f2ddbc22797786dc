package poolhealth

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/interviewapi/operator/internal/metricnames"
)

// ParseText reads a /metrics body in the Prometheus text exposition format (version
// 0.0.4, what client_golang serves to a client asking for text/plain) and returns the
// Sample it describes, stamped with at.
func ParseText(r io.Reader, at time.Time) (Sample, error) {
	// UTF-8 validation accepts every name the legacy scheme does, so a server that
	// one day exports a UTF-8 metric name does not make the whole scrape fail.
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return Sample{}, fmt.Errorf("parse metrics: %w", err)
	}
	return FromFamilies(families, at)
}

// FromFamilies builds a Sample from parsed metric families keyed by name. Families the
// analysis does not use are ignored; the ones it uses but which are absent stay nil.
func FromFamilies(families map[string]*dto.MetricFamily, at time.Time) (Sample, error) {
	s := Sample{Time: at}
	if f := families[metricnames.PoolAcquires]; f != nil {
		s.Acquires = sumByLabel(f, metricnames.LabelResult)
	}
	if f := families[metricnames.PoolAcquireDuration]; f != nil {
		h, err := histogramOf(f)
		if err != nil {
			return Sample{}, err
		}
		s.AcquireWait = h
	}
	if f := families[metricnames.HTTPRequests]; f != nil {
		rc := &RequestCounts{}
		for _, m := range f.GetMetric() {
			v := scalar(m)
			rc.Total += v
			if strings.HasPrefix(label(m, metricnames.LabelCode), "5") {
				rc.ServerErrors += v
			}
		}
		s.Requests = rc
	}
	if f := families[metricnames.PoolAcquiredSeconds]; f != nil {
		s.AcquiredSeconds = sum(f)
	}
	if f := families[metricnames.PoolMaxConnections]; f != nil {
		s.MaxConnections = sum(f)
	}
	if f := families[metricnames.PoolPendingAcquires]; f != nil {
		s.PendingAcquires = sum(f)
	}
	if f := families[metricnames.PoolConnections]; f != nil {
		s.Connections = sumByLabel(f, metricnames.LabelState)
	}
	if f := families[metricnames.Mode]; f != nil {
		for _, m := range f.GetMetric() {
			if scalar(m) == 1 {
				s.Mode = label(m, metricnames.LabelMode)
			}
		}
	}
	return s, nil
}

// scalar is the value of a counter, gauge or untyped metric (a body without # TYPE
// lines parses as untyped).
func scalar(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}

func label(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

func sum(f *dto.MetricFamily) *float64 {
	var total float64
	for _, m := range f.GetMetric() {
		total += scalar(m)
	}
	return &total
}

func sumByLabel(f *dto.MetricFamily, name string) map[string]float64 {
	out := make(map[string]float64, len(f.GetMetric()))
	for _, m := range f.GetMetric() {
		out[label(m, name)] += scalar(m)
	}
	return out
}

// histogramOf merges every series of a histogram family (the server exports one, but
// merging keeps the result right should it ever add a label).
func histogramOf(f *dto.MetricFamily) (*Histogram, error) {
	if f.GetType() != dto.MetricType_HISTOGRAM {
		return nil, fmt.Errorf("metric %s is a %s, want a histogram", f.GetName(), f.GetType())
	}
	var merged *Histogram
	for _, m := range f.GetMetric() {
		h := fromDTO(m.GetHistogram())
		if merged == nil {
			merged = h
			continue
		}
		if !merged.sameBounds(h) {
			return nil, fmt.Errorf("metric %s: series have different bucket bounds", f.GetName())
		}
		merged.add(h)
	}
	return merged, nil
}

func fromDTO(d *dto.Histogram) *Histogram {
	h := &Histogram{Sum: d.GetSampleSum(), Count: float64(d.GetSampleCount())}
	if d.SampleCountFloat != nil {
		h.Count = d.GetSampleCountFloat()
	}
	for _, b := range d.GetBucket() {
		c := float64(b.GetCumulativeCount())
		if b.CumulativeCountFloat != nil {
			c = b.GetCumulativeCountFloat()
		}
		h.Buckets = append(h.Buckets, Bucket{UpperBound: b.GetUpperBound(), Count: c})
	}
	sortBuckets(h.Buckets)
	// client_golang leaves the +Inf bucket implicit in its protobuf form; the text
	// form carries it. Make it explicit either way: it holds every observation.
	if n := len(h.Buckets); n == 0 || !math.IsInf(h.Buckets[n-1].UpperBound, 1) {
		h.Buckets = append(h.Buckets, Bucket{UpperBound: math.Inf(1), Count: h.Count})
	}
	return h
}
