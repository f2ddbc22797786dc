//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/interviewapi/operator/test/e2e/framework"
)

// The operator as config/default deploys it.
const (
	operatorNamespace      = "interviewapi-system"
	operatorServiceAccount = "interviewapi-controller-manager"
	operatorContainer      = "manager"
)

// testInClusterOperator is issue scenario 6: the operator deployed with
// `kubectl apply -k config/default` (its generated ClusterRole, ServiceAccount and
// bindings, its Deployment; the local cluster runs bin/interviewapi-operator for its
// image with a token of its ServiceAccount) rolls sync out to async under load as in
// scenario 1, proving its RBAC is enough; and that RBAC grants no access to Secrets.
func testInClusterOperator(t *testing.T, e *env) {
	local := e.localCluster(t, "runs config/default as it is, whose image `controller` only the local cluster maps to the operator's, and reads the operator's log from the node's files")
	ctx := t.Context()
	out, err := e.kubectl.Run(ctx, "apply", "-k", filepath.Join(e.root, "config", "default"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kubectl apply -k config/default:\n%s", out)
	t.Cleanup(func() {
		if _, err := e.kubectl.Run(context.Background(), "delete", "deployment", "-n", operatorNamespace, "--all", "--wait=false"); err != nil {
			t.Logf("remove the operator: %v", err)
		}
	})

	var pod corev1.Pod
	err = framework.Until(ctx, 2*time.Minute, "the operator pod ready", func(ctx context.Context) (bool, string, error) {
		var pods corev1.PodList
		if err := e.client.List(ctx, &pods, client.InNamespace(operatorNamespace)); err != nil {
			return false, err.Error(), nil
		}
		for _, p := range pods.Items {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
					pod = p
					return true, "", nil
				}
			}
		}
		return false, "pods: " + podSummary(pods.Items), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	operatorLog := local.PodLogPath(operatorNamespace, pod.Name, operatorContainer)
	if pod.Spec.ServiceAccountName != operatorServiceAccount {
		t.Fatalf("operator pod runs as %q, want the ServiceAccount %q", pod.Spec.ServiceAccountName, operatorServiceAccount)
	}

	s := e.newScenario(t, "e2e-incluster", scenarioOptions{noOperator: true})
	s.logs = append(s.logs, operatorLog)

	// No Secret listing or watching: the server pods read the database URL, the operator
	// never does; it may only get one Secret by name, a notification receiver's
	// urlSecretRef (docs/rollouts.md, "Notifications").
	user := "system:serviceaccount:" + operatorNamespace + ":" + operatorServiceAccount
	for _, ns := range []string{s.ns, ""} {
		for _, verb := range []string{"list", "watch"} {
			review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:               user,
				Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + operatorNamespace, "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Resource: "secrets"},
			}}
			if err := e.client.Create(ctx, review); err != nil {
				t.Fatal(err)
			}
			if review.Status.Allowed {
				t.Errorf("the operator's ServiceAccount may %s Secrets in namespace %q: %s", verb, ns, review.Status.Reason)
			}
		}
	}

	s.createInstance(framework.InstanceOptions{})
	s.startLoad(steadyLoad())
	time.Sleep(2 * time.Second)
	p := s.enableAsync(nil)
	t.Logf("FIGURE in-cluster: patch→promoted %s, patch→all pods on async %s, load %s",
		p.promoted.Sub(p.patched).Round(100*time.Millisecond), p.allPods.Sub(p.patched).Round(100*time.Millisecond), p.load)

	logText, err := os.ReadFile(operatorLog)
	if err != nil {
		t.Fatal(err)
	}
	// An RBAC refusal reads `… is forbidden: User "system:serviceaccount:…" cannot …`
	// (other refusals, such as writes into the namespaces of earlier scenarios being
	// deleted, do not name the user).
	if i := bytes.Index(logText, []byte(`forbidden: User \"`+user)); i >= 0 {
		start := max(0, i-300)
		t.Errorf("the operator's log shows a request its RBAC refused: …%s…", logText[start:min(len(logText), i+300)])
	}
}

func podSummary(pods []corev1.Pod) string {
	if len(pods) == 0 {
		return "none"
	}
	var b bytes.Buffer
	for _, p := range pods {
		b.WriteString(p.Name + "=" + string(p.Status.Phase))
		for _, c := range p.Status.ContainerStatuses {
			if c.State.Waiting != nil {
				b.WriteString(" (" + c.State.Waiting.Reason + ": " + c.State.Waiting.Message + ")")
			}
		}
		b.WriteString(" ")
	}
	return b.String()
}
