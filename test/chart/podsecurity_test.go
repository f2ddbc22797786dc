package chart

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/resources"
)

// podTemplate is a pod spec some object renders, with where it came from.
type podTemplate struct {
	source string
	meta   metav1.ObjectMeta
	spec   corev1.PodSpec
}

// podTemplates returns the pod specs of the workload objects among objs.
func podTemplates(t *testing.T, objs []*unstructured.Unstructured) []podTemplate {
	t.Helper()
	var out []podTemplate
	for _, o := range objs {
		raw, err := json.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		source := o.GetKind() + " " + o.GetName()
		switch o.GetKind() {
		case "Pod":
			var p corev1.Pod
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatalf("%s: %v", source, err)
			}
			out = append(out, podTemplate{source, p.ObjectMeta, p.Spec})
		case "Deployment":
			var d appsv1.Deployment
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatalf("%s: %v", source, err)
			}
			out = append(out, podTemplate{source, d.Spec.Template.ObjectMeta, d.Spec.Template.Spec})
		case "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet":
			t.Fatalf("%s: the test does not know how to read this workload's pod template yet", source)
		}
	}
	return out
}

// operatorPodTemplates are the server pods the operator itself creates, from its
// Deployment builder, for both tracks of a sample and of an instance with placement.
func operatorPodTemplates(t *testing.T) []podTemplate {
	t.Helper()
	plain := &iapiv1alpha1.InterviewAPI{
		ObjectMeta: metav1.ObjectMeta{Name: "interview", Namespace: "team-a", UID: "0b1c2d3e-0000-4000-8000-000000000001"},
		Spec: iapiv1alpha1.InterviewAPISpec{
			Image:    "ghcr.io/interviewapi/interviewapi-server:0.1.0",
			Replicas: ptr.To[int32](4),
			Database: iapiv1alpha1.DatabaseSpec{URLSecretRef: iapiv1alpha1.SecretKeyRef{Name: "interview-db", Key: "url"}},
		},
	}
	placed := plain.DeepCopy()
	placed.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
	placed.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
	placed.Spec.PodLabels = map[string]string{"example.com/team": "hiring"}
	var out []podTemplate
	for name, in := range map[string]*iapiv1alpha1.InterviewAPI{"sample": plain, "with placement": placed} {
		for _, track := range []string{iapiv1alpha1.TrackStable, iapiv1alpha1.TrackCanary} {
			ac, err := resources.Deployment(in, resources.DeploymentParams{Track: track, Revision: in.Spec.DesiredRevision(), Replicas: 1})
			if err != nil {
				t.Fatalf("resources.Deployment(%s, %s): %v", name, track, err)
			}
			raw, err := json.Marshal(ac)
			if err != nil {
				t.Fatal(err)
			}
			var d appsv1.Deployment
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatal(err)
			}
			out = append(out, podTemplate{"operator-built " + track + " Deployment (" + name + ")", d.Spec.Template.ObjectMeta, d.Spec.Template.Spec})
		}
	}
	return out
}

// TestPodsMeetRestrictedPodSecurity evaluates every pod template the charts render (the
// operator, the helm test pod) and the server pods the operator builds against the Pod
// Security "restricted" profile, with the admission plugin's own checks, so all of them
// run in namespaces that enforce it.
func TestPodsMeetRestrictedPodSecurity(t *testing.T) {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	restricted := api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}
	var templates []podTemplate
	for _, rc := range renderCases() {
		templates = append(templates, podTemplates(t, decodeManifests(t, rc.render(t)))...)
	}
	if len(templates) < 4 {
		t.Fatalf("found %d pod templates in the charts; want the operator's and the test pod's for each operator rendering", len(templates))
	}
	templates = append(templates, operatorPodTemplates(t)...)
	for _, p := range templates {
		result := policy.AggregateCheckResults(evaluator.EvaluatePod(restricted, &p.meta, &p.spec))
		if !result.Allowed {
			t.Errorf("%s violates Pod Security %q: %s", p.source, restricted.Level, result.ForbiddenReason())
		} else {
			t.Logf("%s: restricted ok", p.source)
		}
	}
}
