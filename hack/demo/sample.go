package main

import (
	"fmt"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// The sample InterviewAPI the demo applies.
const samplePath = "config/samples/apps_v1alpha1_interviewapi.yaml"

// demoOverrides says, for the transcript, how the demo's instance differs from the
// sample: the rollout is sized for a demo that ends within minutes.
func demoOverrides() []string {
	return []string{
		"replicas 4 (the sample has 2): the first step's canary is then a quarter of the pods",
		"steps 25% for 10s, 50% for 10s, 100% (the sample pauses a minute per step)",
		"analysis every 5s, the shortest the API accepts (the sample: 30s), minAcquires 10",
		"maxServerConnections 300: room for the canary's pods beside the stable ones",
	}
}

// demoInstance reads the sample and applies demoOverrides to it.
func demoInstance(root string) (*iapiv1alpha1.InterviewAPI, error) {
	raw, err := os.ReadFile(root + "/" + samplePath)
	if err != nil {
		return nil, fmt.Errorf("read the sample: %w", err)
	}
	in := &iapiv1alpha1.InterviewAPI{}
	if err := yaml.UnmarshalStrict(raw, in); err != nil {
		return nil, fmt.Errorf("parse %s: %w", samplePath, err)
	}
	in.Spec.Replicas = ptr.To[int32](4)
	in.Spec.Database.MaxServerConnections = ptr.To[int32](300)
	r := &in.Spec.Rollout
	r.Steps = []iapiv1alpha1.RolloutStep{
		{Weight: 25, Pause: &metav1.Duration{Duration: 10 * time.Second}},
		{Weight: 50, Pause: &metav1.Duration{Duration: 10 * time.Second}},
		{Weight: 100},
	}
	r.Analysis.Interval = &metav1.Duration{Duration: 5 * time.Second}
	r.Analysis.MinAcquires = ptr.To[int32](10)
	r.ProgressDeadline = &metav1.Duration{Duration: 2 * time.Minute}
	return in, nil
}

// writeManifest writes the instance as a manifest for `kubectl apply -f`.
func writeManifest(path string, in *iapiv1alpha1.InterviewAPI) error {
	doc := map[string]any{
		"apiVersion": iapiv1alpha1.GroupVersion.String(),
		"kind":       "InterviewAPI",
		"metadata":   map[string]any{"name": in.Name},
		"spec":       in.Spec,
	}
	body, err := yaml.Marshal(doc)
	if err != nil {
		return err
	}
	header := "# " + samplePath + " as `make demo` applies it:\n"
	for _, o := range demoOverrides() {
		header += "#   " + o + "\n"
	}
	return os.WriteFile(path, append([]byte(header), body...), 0o644)
}
