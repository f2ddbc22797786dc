package framework

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// logTailLines is how much of a log a dump shows.
const logTailLines = 150

// Dump writes what explains a failed scenario: the instance's status, its
// Deployments and pods, the namespace's Events and the end of the operator's log.
// Errors reading one part are written in place of it; the rest is still dumped.
func Dump(ctx context.Context, w io.Writer, c client.Client, key types.NamespacedName, operatorLogs ...string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()

	fmt.Fprintf(w, "===== InterviewAPI %s\n", key)
	in := &iapiv1alpha1.InterviewAPI{}
	if err := c.Get(ctx, key, in); err != nil {
		fmt.Fprintf(w, "(cannot read it: %v)\n", err)
	} else {
		doc := map[string]any{"generation": in.Generation, "spec": in.Spec, "status": in.Status, "annotations": in.Annotations}
		if b, err := yaml.Marshal(doc); err == nil {
			_, _ = w.Write(b) // a diagnostics dump: a failed write has nowhere to go
		}
	}

	fmt.Fprintf(w, "===== Deployments in %s\n", key.Namespace)
	var deps appsv1.DeploymentList
	if err := c.List(ctx, &deps, client.InNamespace(key.Namespace)); err != nil {
		fmt.Fprintf(w, "(cannot list them: %v)\n", err)
	}
	for _, d := range deps.Items {
		fmt.Fprintf(w, "%s replicas=%d updated=%d ready=%d available=%d generation=%d observed=%d revision=%s\n",
			d.Name, deref(d.Spec.Replicas), d.Status.UpdatedReplicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas,
			d.Generation, d.Status.ObservedGeneration, d.Spec.Template.Labels[iapiv1alpha1.LabelRevision])
	}

	fmt.Fprintf(w, "===== Pods in %s\n", key.Namespace)
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(key.Namespace)); err != nil {
		fmt.Fprintf(w, "(cannot list them: %v)\n", err)
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		mode := "-"
		if PodReady(p) {
			if m, err := PodMode(ctx, p); err == nil {
				mode = m
			}
		}
		deleting := ""
		if p.DeletionTimestamp != nil {
			deleting = " deleting"
		}
		fmt.Fprintf(w, "%s phase=%s ready=%t ip=%s track=%s revision=%s mode=%s%s\n", p.Name, p.Status.Phase, PodReady(p),
			p.Status.PodIP, p.Labels[iapiv1alpha1.LabelTrack], p.Labels[iapiv1alpha1.LabelRevision], mode, deleting)
	}

	fmt.Fprintf(w, "===== Events in %s\n", key.Namespace)
	var events corev1.EventList
	if err := c.List(ctx, &events, client.InNamespace(key.Namespace)); err != nil {
		fmt.Fprintf(w, "(cannot list them: %v)\n", err)
	}
	sort.SliceStable(events.Items, func(i, j int) bool { return eventTime(&events.Items[i]).Before(eventTime(&events.Items[j])) })
	for i := range events.Items {
		e := &events.Items[i]
		fmt.Fprintf(w, "%s %s %s %s/%s: %s\n", eventTime(e).Format("15:04:05.000"), e.Type, e.Reason,
			strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name, e.Message)
	}

	for _, path := range operatorLogs {
		fmt.Fprintf(w, "===== last %d lines of %s\n", logTailLines, path)
		_, _ = w.Write(tail(path, logTailLines))
	}
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	default:
		return e.CreationTimestamp.Time
	}
}

// tail is the end of a file, n lines at most.
func tail(path string, n int) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return []byte(fmt.Sprintf("(cannot read it: %v)\n", err))
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, nil)
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
