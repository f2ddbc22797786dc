//go:build e2e

package helminstall

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// logTailLines is how much of each log a failure dump shows.
const logTailLines = 60

// dumpOnFailure logs, when the test has failed, what explains it: for each namespace
// its InterviewAPIs, pods and Events and the end of every container log (of deleted
// pods too, such as the helm test pod), then the end of the local cluster's own log.
func dumpOnFailure(t *testing.T, c client.Client, clusterDir string, namespaces ...string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var b bytes.Buffer
		for _, ns := range namespaces {
			dumpNamespace(ctx, &b, c, clusterDir, ns)
		}
		fmt.Fprintf(&b, "===== localcluster log\n%s", tail(filepath.Join(clusterDir, "logs", "localcluster.log")))
		t.Logf("diagnostics:\n%s", b.String())
	})
}

func dumpNamespace(ctx context.Context, b *bytes.Buffer, c client.Client, clusterDir, ns string) {
	var instances iapiv1alpha1.InterviewAPIList
	if err := c.List(ctx, &instances, client.InNamespace(ns)); err != nil {
		fmt.Fprintf(b, "===== InterviewAPIs in %s: %v\n", ns, err)
	}
	for _, in := range instances.Items {
		status, _ := yaml.Marshal(in.Status)
		fmt.Fprintf(b, "===== InterviewAPI %s/%s (generation %d) status\n%s", ns, in.Name, in.Generation, status)
	}

	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(ns)); err != nil {
		fmt.Fprintf(b, "===== pods in %s: %v\n", ns, err)
	}
	fmt.Fprintf(b, "===== pods in %s\n", ns)
	for i := range pods.Items {
		fmt.Fprintf(b, "%s\n", podSummary(&pods.Items[i]))
	}

	var events corev1.EventList
	if err := c.List(ctx, &events, client.InNamespace(ns)); err != nil {
		fmt.Fprintf(b, "===== Events in %s: %v\n", ns, err)
	}
	sort.SliceStable(events.Items, func(i, j int) bool {
		return eventTime(&events.Items[i]).Before(eventTime(&events.Items[j]))
	})
	fmt.Fprintf(b, "===== Events in %s\n", ns)
	for _, e := range events.Items {
		fmt.Fprintf(b, "%s %s %s/%s %s: %s\n", eventTime(&e).Format("15:04:05.000"), e.Type,
			e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
	}

	logs, _ := filepath.Glob(filepath.Join(clusterDir, "pods", ns, "*", "*.log"))
	for _, l := range logs {
		fmt.Fprintf(b, "===== log %s\n%s", strings.TrimPrefix(l, clusterDir+string(filepath.Separator)), tail(l))
	}
}

// podSummary is one line: name, phase, readiness, and why a container waits.
func podSummary(p *corev1.Pod) string {
	s := fmt.Sprintf("%s phase=%s ready=%t ip=%s", p.Name, p.Status.Phase, podReady(p), p.Status.PodIP)
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			s += fmt.Sprintf(" %s waiting (%s: %s)", cs.Name, w.Reason, w.Message)
		}
		if term := cs.State.Terminated; term != nil {
			s += fmt.Sprintf(" %s exited %d", cs.Name, term.ExitCode)
		}
	}
	if p.DeletionTimestamp != nil {
		s += " deleting"
	}
	return s
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// tail is the end of a file, or why it cannot be read.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)\n", err)
	}
	lines := strings.SplitAfter(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > logTailLines {
		lines = append([]string{fmt.Sprintf("… (%d lines before)\n", len(lines)-logTailLines)}, lines[len(lines)-logTailLines:]...)
	}
	return strings.Join(lines, "") + "\n"
}
