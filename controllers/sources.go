package controllers

import (
	"fmt"
	"sync"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/internal/urlallow"
)

// MetricSources picks the poolhealth.Source that measures an instance's pods. The
// reconciler holds one for the whole operator: a scraping source keeps each pod's
// previous sample between analyses, so it must outlive the passes.
type MetricSources interface {
	// For returns the source measuring the instance's pods.
	For(in *iapiv1alpha1.InterviewAPI) (poolhealth.Source, error)
	// Forget drops what is kept about an instance that no longer exists.
	Forget(namespace, name string)
}

// PoolHealthSources is the operator's MetricSources: the pods of an instance are
// scraped directly unless its spec.rollout.analysis.prometheus.address is set, in
// which case that Prometheus is queried. There is one scraping source per operator and
// one Prometheus source per address, shared by the instances that name it.
type PoolHealthSources struct {
	scrape   *poolhealth.ScrapeSource
	promOpts []poolhealth.PrometheusOption
	// allowed are the Prometheus addresses a spec may name; nil means urlallow.Default.
	allowed    *urlallow.List
	mu         sync.Mutex
	prometheus map[string]*poolhealth.PrometheusSource
}

// AllowPrometheus sets the Prometheus addresses instances may name (the operator's
// --allowed-prometheus-urls); without it, only Service names inside the cluster.
func (s *PoolHealthSources) AllowPrometheus(l *urlallow.List) *PoolHealthSources {
	s.allowed = l
	return s
}

// prometheusRefusedError is a spec naming a Prometheus the operator may not query.
// It fails the pass (condition Degraded and a Warning Event with reason
// PrometheusAddressNotAllowed) rather than making the analysis inconclusive: it says
// nothing about the canary, and only the operator's configuration or the spec can
// change it.
type prometheusRefusedError struct {
	address string
	reason  error
}

func (e *prometheusRefusedError) Error() string {
	return fmt.Sprintf("spec.rollout.analysis.prometheus.address %q is refused before any request: %v; "+
		"the operator's --allowed-prometheus-urls (chart value allowedPrometheusURLs) lists the addresses it may query",
		e.address, e.reason)
}

// NewPoolHealthSources returns the sources built on scrape; promOpts configure every
// Prometheus source made later.
func NewPoolHealthSources(scrape *poolhealth.ScrapeSource, promOpts ...poolhealth.PrometheusOption) *PoolHealthSources {
	return &PoolHealthSources{scrape: scrape, promOpts: promOpts, prometheus: map[string]*poolhealth.PrometheusSource{}}
}

// For implements MetricSources.
func (s *PoolHealthSources) For(in *iapiv1alpha1.InterviewAPI) (poolhealth.Source, error) {
	prom := in.Spec.Rollout.Analysis.Prometheus
	if prom == nil || prom.Address == "" {
		return s.scrape, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	allowed := s.allowed
	if allowed == nil {
		allowed = urlallow.DefaultList()
	}
	if err := allowed.Check(prom.Address); err != nil {
		return nil, &prometheusRefusedError{address: prom.Address, reason: err}
	}
	if src, ok := s.prometheus[prom.Address]; ok {
		return src, nil
	}
	src, err := poolhealth.NewPrometheusSource(prom.Address, s.promOpts...)
	if err != nil {
		return nil, fmt.Errorf("spec.rollout.analysis.prometheus.address %q: %w", prom.Address, err)
	}
	s.prometheus[prom.Address] = src
	return src, nil
}

// Forget implements MetricSources: it drops the instance's scrape baselines. The
// Prometheus sources keep nothing per instance.
func (s *PoolHealthSources) Forget(namespace, name string) {
	s.scrape.Forget(namespace, name)
}
