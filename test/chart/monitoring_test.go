package chart

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	monv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// kustomizeMonitoringObjects reads the objects listed in config/prometheus/kustomization.yaml.
func kustomizeMonitoringObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(repoPath("config/prometheus/kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatalf("config/prometheus/kustomization.yaml: %v", err)
	}
	if len(k.Resources) == 0 {
		t.Fatal("config/prometheus/kustomization.yaml lists no resources")
	}
	var objs []*unstructured.Unstructured
	for _, r := range k.Resources {
		data, err := os.ReadFile(repoPath("config/prometheus/" + r))
		if err != nil {
			t.Fatalf("resource of config/prometheus/kustomization.yaml: %v", err)
		}
		objs = append(objs, decodeManifests(t, string(data))...)
	}
	return objs
}

// decodeMonitoringStrictly decodes a monitoring.coreos.com object into its Go type from
// the prometheus-operator module, rejecting unknown fields.
func decodeMonitoringStrictly(o *unstructured.Unstructured) error {
	raw, err := json.Marshal(o.Object)
	if err != nil {
		return err
	}
	var target any
	switch o.GetKind() {
	case monv1.ServiceMonitorsKind:
		target = &monv1.ServiceMonitor{}
	case monv1.PodMonitorsKind:
		target = &monv1.PodMonitor{}
	case monv1.PrometheusRuleKind:
		target = &monv1.PrometheusRule{}
	default:
		return nil
	}
	return yaml.UnmarshalStrict(raw, target)
}

// TestMonitoringObjectsDecodeStrictly: besides the CRD schemas of the dry run, every
// monitoring object (from both charts' renderings and config/prometheus) decodes into
// the prometheus-operator Go types without unknown fields.
func TestMonitoringObjectsDecodeStrictly(t *testing.T) {
	objs := kustomizeMonitoringObjects(t)
	for _, rc := range renderCases() {
		objs = append(objs, decodeManifests(t, rc.render(t))...)
	}
	seen := map[string]int{}
	for _, o := range objs {
		if !strings.HasPrefix(o.GetAPIVersion(), monv1.SchemeGroupVersion.Group+"/") {
			continue
		}
		seen[o.GetKind()]++
		if err := decodeMonitoringStrictly(o); err != nil {
			t.Errorf("%s %s: %v", o.GetKind(), o.GetName(), err)
		}
	}
	for _, kind := range []string{monv1.ServiceMonitorsKind, monv1.PodMonitorsKind, monv1.PrometheusRuleKind} {
		if seen[kind] < 2 {
			t.Errorf("%d %s objects checked: want the one of config/prometheus and the chart's", seen[kind], kind)
		}
	}
}
