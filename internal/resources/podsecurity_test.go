package resources

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// The server pods pass the "restricted" Pod Security Standard as the admission plugin
// itself evaluates it, so they run in namespaces that enforce it.
func TestServerPodsAreRestricted(t *testing.T) {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	placed := instance()
	placed.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
	for _, track := range []string{iapiv1alpha1.TrackStable, iapiv1alpha1.TrackCanary} {
		for name, in := range map[string]*iapiv1alpha1.InterviewAPI{"plain": instance(), "with placement": placed} {
			ac, err := Deployment(in, DeploymentParams{Track: track, Revision: in.Spec.DesiredRevision(), Replicas: 1})
			if err != nil {
				t.Fatal(err)
			}
			pod := decode[appsv1.Deployment](t, ac).Spec.Template
			result := policy.AggregateCheckResults(evaluator.EvaluatePod(
				api.LevelVersion{Level: api.LevelRestricted, Version: api.LatestVersion()}, &pod.ObjectMeta, &pod.Spec))
			if !result.Allowed {
				t.Errorf("%s %s pod violates the restricted profile: %v", track, name, result.ForbiddenReasons)
			}
		}
	}
}
