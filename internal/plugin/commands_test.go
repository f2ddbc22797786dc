package plugin

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/syncbuf"
)

// Every command against a real kube-apiserver (envtest): the test stores an InterviewAPI
// with a realistic status, runs the cobra command in-process with a kubeconfig for the
// API server, and checks the object and the output.
func TestCommandsAgainstAPIServer(t *testing.T) {
	env := envtest.Start(t)
	k := &cluster{client: env.Client, kubeconfig: writeKubeconfig(t, env.Config, "")}

	t.Run("status prints the stored status", func(t *testing.T) {
		k.store(t, progressingInstance("demo"))
		out := k.succeed(t, "status", "demo")
		assertGolden(t, "status_progressing", out)
	})

	t.Run("status of an unknown instance", func(t *testing.T) {
		k.fail(t, `error: interviewapi "nope" not found in namespace "default"`, "status", "nope")
	})

	t.Run("namespace from -n and from the kubeconfig context", func(t *testing.T) {
		k.createNamespace(t, "team-a")
		obj := rolledBackInstance("payments")
		obj.Namespace = "team-a"
		k.store(t, obj)

		out := k.succeed(t, "-n", "team-a", "status", "payments")
		assertContains(t, out, "Namespace:        team-a\nPhase:            RolledBack\n")
		k.fail(t, `interviewapi "payments" not found in namespace "default"`, "status", "payments")

		inTeamA := &cluster{client: env.Client, kubeconfig: writeKubeconfig(t, env.Config, "team-a")}
		out = inTeamA.succeed(t, "status", "payments")
		assertContains(t, out, "Failed revision:  "+asyncRevision().Revision)
	})

	t.Run("promote sets the promote annotation", func(t *testing.T) {
		k.store(t, progressingInstance("promote-next"))
		out := k.succeed(t, "promote", "promote-next")
		got := k.get(t, "promote-next")
		assertAnnotation(t, got, iapiv1alpha1.AnnotationPromote, promoteNext)
		assertOneLine(t, out, promoteMessage(got, false))

		k.store(t, progressingInstance("promote-full"))
		out = k.succeed(t, "promote", "promote-full", "--full")
		got = k.get(t, "promote-full")
		assertAnnotation(t, got, iapiv1alpha1.AnnotationPromote, promoteFull)
		assertOneLine(t, out, promoteMessage(got, true))
	})

	t.Run("promote and abort refuse without a canary", func(t *testing.T) {
		k.store(t, promotedInstance("no-canary"))
		k.fail(t, "error: interviewapi no-canary has no canary to promote (phase Healthy", "promote", "no-canary")
		k.fail(t, "error: interviewapi no-canary has no canary to abort (phase Healthy", "abort", "no-canary")
		if a := k.get(t, "no-canary").Annotations; len(a) != 0 {
			t.Errorf("annotations = %v, want none after refused requests", a)
		}
	})

	t.Run("abort sets the abort annotation", func(t *testing.T) {
		k.store(t, progressingInstance("aborted"))
		out := k.succeed(t, "abort", "aborted")
		got := k.get(t, "aborted")
		assertAnnotation(t, got, iapiv1alpha1.AnnotationAbort, annotationRequested)
		assertOneLine(t, out, abortMessage(got))
	})

	t.Run("retry sets the retry annotation, only after a failure", func(t *testing.T) {
		k.store(t, rolledBackInstance("retried"))
		out := k.succeed(t, "retry", "retried")
		got := k.get(t, "retried")
		assertAnnotation(t, got, iapiv1alpha1.AnnotationRetry, annotationRequested)
		assertOneLine(t, out, retryMessage(got))

		k.store(t, promotedInstance("nothing-failed"))
		k.fail(t, "error: interviewapi nothing-failed has nothing to retry: phase Healthy", "retry", "nothing-failed")
	})

	t.Run("pause and resume patch spec.paused", func(t *testing.T) {
		k.store(t, progressingInstance("paused"))
		out := k.succeed(t, "pause", "paused")
		got := k.get(t, "paused")
		if !got.Spec.Paused {
			t.Fatalf("spec.paused = false after pause")
		}
		assertOneLine(t, out, pauseMessage(got, true))
		assertOneLine(t, k.succeed(t, "pause", "paused"), "interviewapi paused was already paused (spec.paused is true)")

		out = k.succeed(t, "resume", "paused")
		got = k.get(t, "paused")
		if got.Spec.Paused {
			t.Fatalf("spec.paused = true after resume")
		}
		assertOneLine(t, out, "interviewapi paused resumed: the rollout continues from step 2 of 3")
		assertOneLine(t, k.succeed(t, "resume", "paused"), "interviewapi paused was not paused (spec.paused is false)")
	})

	t.Run("analyses prints each analysis with its checks", func(t *testing.T) {
		k.store(t, comparedInstance("compared"))
		assertGolden(t, "analyses_compared", k.succeed(t, "analyses", "compared"))
		k.store(t, promotedInstance("quiet"))
		assertOneLine(t, k.succeed(t, "analyses", "quiet"), "interviewapi quiet has no analyses in its current rollout")
	})

	t.Run("history prints the history table", func(t *testing.T) {
		k.store(t, promotedInstance("historic"))
		assertGolden(t, "history_promoted", k.succeed(t, "history", "historic"))
	})

	t.Run("rollback patches the database to the previous promoted revision", func(t *testing.T) {
		obj := promotedInstance("rolled")
		k.store(t, obj)
		target, err := findRollbackTarget(obj)
		if err != nil {
			t.Fatal(err)
		}
		out := k.succeed(t, "rollback", "rolled")
		got := k.get(t, "rolled")
		if rev := got.Spec.DesiredRevision(); rev.Revision != syncRevision().Revision || rev.Async {
			t.Errorf("spec revision after rollback = %s (async %v), want %s (sync)", rev.Revision, rev.Async, syncRevision().Revision)
		}
		if got.Spec.Image != obj.Spec.Image || got.Spec.ReplicasOrDefault() != 4 {
			t.Errorf("rollback changed more than spec.database: image %q, replicas %d", got.Spec.Image, got.Spec.ReplicasOrDefault())
		}
		assertOneLine(t, out, rollbackMessage(got, target, true))

		// The spec already asks for the target: nothing to patch, and no error.
		before := got.ResourceVersion
		assertOneLine(t, k.succeed(t, "rollback", "rolled"), rollbackMessage(got, target, false))
		if after := k.get(t, "rolled").ResourceVersion; after != before {
			t.Errorf("a rollback to the revision already asked for wrote the object (resourceVersion %s → %s)", before, after)
		}
	})

	t.Run("rollback without an earlier promoted revision", func(t *testing.T) {
		k.store(t, rolledBackInstance("first-rollout"))
		k.fail(t, "error: interviewapi first-rollout has no earlier revision to roll back to", "rollback", "first-rollout")
		if got := k.get(t, "first-rollout"); !got.Spec.Database.Async.Enabled {
			t.Errorf("a refused rollback changed the spec")
		}
	})

	t.Run("recommend explains the advice, --apply patches the pool once", func(t *testing.T) {
		k.store(t, advisedInstance("starving"))
		assertGolden(t, "recommend_starving", k.succeed(t, "recommend", "starving"))
		before := k.get(t, "starving")
		out := k.succeed(t, "recommend", "starving", "--apply")
		got := k.get(t, "starving")
		if p := got.Spec.Database.Pool; p.SizeOrDefault() != 39 || p.MaxOverflowOrDefault() != 29 || p.TimeoutOrDefault() != before.Spec.Database.Pool.TimeoutOrDefault() {
			t.Errorf("pool after --apply %s, want 39+29 and the rest unchanged", p)
		}
		if got.Spec.Image != before.Spec.Image || !got.Spec.Database.Async.Enabled || got.Spec.ReplicasOrDefault() != 4 {
			t.Errorf("--apply changed more than the pool: %+v", got.Spec)
		}
		assertOneLine(t, out, appliedMessage(before, got))
		version := got.ResourceVersion
		assertOneLine(t, k.succeed(t, "recommend", "starving", "--apply"), "interviewapi starving already runs the advised pool 39+29: nothing to apply")
		if after := k.get(t, "starving").ResourceVersion; after != version {
			t.Errorf("an advice already applied wrote the object (resourceVersion %s → %s)", version, after)
		}
	})

	t.Run("recommend --apply refuses a rollout in progress and a budget it breaks", func(t *testing.T) {
		obj := advisedInstance("budget")
		obj.Spec.Database.MaxServerConnections = ptr.To[int32](50)
		k.store(t, obj)
		k.fail(t, "does not fit spec.database.maxServerConnections 50", "recommend", "budget", "--apply")
		if p := k.get(t, "budget").Spec.Database.Pool; p.SizeOrDefault() != 1 {
			t.Errorf("a refused --apply changed the pool to %s", p)
		}
		rolling := progressingInstance("rolling")
		rolling.Status.Recommendation = advisedInstance("rolling").Status.Recommendation
		k.store(t, rolling)
		k.fail(t, "is rolling out revision", "recommend", "rolling", "--apply")
	})

	t.Run("shell completion offers the names of the namespace", func(t *testing.T) {
		k.createNamespace(t, "completion")
		for _, name := range []string{"payments", "search", "pay-later"} {
			obj := baseInstance(name)
			obj.Namespace = "completion"
			k.store(t, obj)
		}
		// Shells call the hidden __complete command with the words typed so far.
		var stdout, stderr bytes.Buffer
		args := []string{"__complete", "--kubeconfig", k.kubeconfig, "-n", "completion", "status", "pay"}
		if code := run(context.Background(), args, &stdout, &stderr, fixtureNow); code != 0 {
			t.Fatalf("exit code %d, stderr %q", code, stderr.String())
		}
		if got, want := stdout.String(), "pay-later\npayments\n:4\n"; got != want {
			t.Errorf("completions = %q, want %q (the matching names, then no file completion)", got, want)
		}
	})

	t.Run("status --watch prints every change until --timeout", func(t *testing.T) {
		k.store(t, progressingInstance("watched"))
		w := k.start("status", "watched", "--watch", "--timeout", "6s")
		w.waitFor(t, "Phase:          Progressing")

		k.updateStatus(t, "watched", func(st *iapiv1alpha1.InterviewAPIStatus) {
			promoted := promotedInstance("watched").Status
			*st = promoted
		})
		code := w.wait(t, 30*time.Second)
		if code != 0 {
			t.Fatalf("exit code = %d, stderr %q", code, w.stderr.String())
		}
		out := w.stdout.String()
		first := strings.Index(out, "Phase:          Progressing")
		second := strings.Index(out, "Phase:          Healthy")
		if first < 0 || second < first {
			t.Fatalf("want the Progressing status, then the Healthy one; got:\n%s", out)
		}
		assertContains(t, out, "Canary weight:  50%")
		assertContains(t, out[second:], "Canary weight:  0%")
	})

	t.Run("status --watch ends on Ctrl-C", func(t *testing.T) {
		k.store(t, progressingInstance("interrupted"))
		w := k.start("status", "interrupted", "--watch")
		w.waitFor(t, "Phase:          Progressing")
		w.cancel()
		if code := w.wait(t, 30*time.Second); code != 0 {
			t.Fatalf("exit code = %d, stderr %q", code, w.stderr.String())
		}
	})

	t.Run("status --watch reports a deleted instance", func(t *testing.T) {
		k.store(t, progressingInstance("deleted"))
		w := k.start("status", "deleted", "--watch", "--timeout", "60s")
		w.waitFor(t, "Phase:          Progressing")
		if err := env.Client.Delete(context.Background(), k.get(t, "deleted")); err != nil {
			t.Fatal(err)
		}
		if code := w.wait(t, 30*time.Second); code != 1 {
			t.Fatalf("exit code = %d, want 1", code)
		}
		assertContains(t, w.stderr.String(), `error: interviewapi "deleted" in namespace "default" was deleted`)
	})
}

// cluster runs the plugin against one API server.
type cluster struct {
	client     client.Client
	kubeconfig string
}

// store creates obj and writes its status through the status subresource, as the
// operator does.
func (k *cluster) store(t *testing.T, obj *iapiv1alpha1.InterviewAPI) {
	t.Helper()
	status := obj.Status
	obj = obj.DeepCopy()
	obj.Generation = 0
	if err := k.client.Create(context.Background(), obj); err != nil {
		t.Fatalf("create interviewapi %s: %v", obj.Name, err)
	}
	obj.Status = status
	if err := k.client.Status().Update(context.Background(), obj); err != nil {
		t.Fatalf("write status of interviewapi %s: %v", obj.Name, err)
	}
}

func (k *cluster) createNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k.client.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

func (k *cluster) updateStatus(t *testing.T, name string, change func(*iapiv1alpha1.InterviewAPIStatus)) {
	t.Helper()
	obj := k.get(t, name)
	change(&obj.Status)
	if err := k.client.Status().Update(context.Background(), obj); err != nil {
		t.Fatalf("update status of interviewapi %s: %v", name, err)
	}
}

func (k *cluster) get(t *testing.T, name string) *iapiv1alpha1.InterviewAPI {
	t.Helper()
	obj := &iapiv1alpha1.InterviewAPI{}
	key := client.ObjectKey{Namespace: "default", Name: name}
	if err := k.client.Get(context.Background(), key, obj); err != nil {
		t.Fatalf("get interviewapi %s: %v", name, err)
	}
	return obj
}

// succeed runs the plugin and requires exit code 0 and nothing on stderr.
func (k *cluster) succeed(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), k.args(args), &stdout, &stderr, fixtureNow); code != 0 || stderr.Len() != 0 {
		t.Fatalf("%v: exit code %d, stderr %q", args, code, stderr.String())
	}
	return stdout.String()
}

// fail runs the plugin and requires exit code 1 with wantStderr in the error.
func (k *cluster) fail(t *testing.T, wantStderr string, args ...string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), k.args(args), &stdout, &stderr, fixtureNow); code != 1 {
		t.Fatalf("%v: exit code %d, want 1 (stdout %q)", args, code, stdout.String())
	}
	assertContains(t, stderr.String(), wantStderr)
}

func (k *cluster) args(args []string) []string {
	return append([]string{"--kubeconfig", k.kubeconfig}, args...)
}

// running is a plugin command started in the background, for --watch.
type running struct {
	stdout, stderr *syncbuf.Buffer
	cancel         context.CancelFunc
	done           chan int
}

func (k *cluster) start(args ...string) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { r.done <- run(ctx, k.args(args), r.stdout, r.stderr, fixtureNow) }()
	return r
}

// waitFor waits until the output contains want.
func (r *running) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(r.stdout.String(), want) {
		if time.Now().After(deadline) {
			r.cancel()
			t.Fatalf("no %q in the output within 30s; stdout:\n%s\nstderr: %s", want, r.stdout.String(), r.stderr.String())
		}
		select {
		case code := <-r.done:
			t.Fatalf("command ended with exit code %d before printing %q; stdout:\n%s\nstderr: %s", code, want, r.stdout.String(), r.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// wait waits for the command to end and returns its exit code.
func (r *running) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case code := <-r.done:
		return code
	case <-time.After(limit):
		r.cancel()
		t.Fatalf("command still running after %s; stdout:\n%s", limit, r.stdout.String())
		return -1
	}
}

// writeKubeconfig writes a kubeconfig for the envtest API server; namespace, if set, is
// the namespace of its context.
func writeKubeconfig(t *testing.T, cfg *rest.Config, namespace string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["envtest-admin"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken,
	}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "envtest-admin", Namespace: namespace}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}
	return path
}

func assertContains(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("output does not contain %q; got:\n%s", want, got)
	}
}

func assertOneLine(t *testing.T, got, want string) {
	t.Helper()
	if got != want+"\n" {
		t.Errorf("output = %q\nwant     %q", got, want+"\n")
	}
}

func assertAnnotation(t *testing.T, obj *iapiv1alpha1.InterviewAPI, key, want string) {
	t.Helper()
	if got, ok := obj.Annotations[key]; !ok || got != want {
		t.Errorf("annotation %s = %q (set %v), want %q", key, got, ok, want)
	}
}
