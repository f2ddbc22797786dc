package framework

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// Pods is what an instance's server pods run at one moment.
type Pods struct {
	// Serving are the pods not being deleted; Ready those of them that are ready.
	Serving, Ready int
	// Terminating pods are being deleted.
	Terminating int
	// Modes counts the serving pods by the database mode their /metrics reports
	// (interviewapi_db_mode), "unknown" when it could not be read.
	Modes map[string]int
	// Tracks counts the serving pods by track (stable, canary).
	Tracks map[string]int
}

// AllOn reports whether exactly replicas pods serve, all ready, all on mode, and none
// is still terminating.
func (p Pods) AllOn(replicas int, mode string) bool {
	return p.Serving == replicas && p.Ready == replicas && p.Terminating == 0 && p.Modes[mode] == replicas
}

func (p Pods) String() string {
	return fmt.Sprintf("%d serving (%d ready, modes %s, tracks %s), %d terminating",
		p.Serving, p.Ready, formatCounts(p.Modes), formatCounts(p.Tracks), p.Terminating)
}

func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, ",")
}

// ListServerPods lists an instance's server pods.
func ListServerPods(ctx context.Context, c client.Client, namespace, instance string) ([]corev1.Pod, error) {
	var list corev1.PodList
	if err := c.List(ctx, &list, client.InNamespace(namespace), client.MatchingLabels{
		iapiv1alpha1.LabelName:     iapiv1alpha1.ServerName,
		iapiv1alpha1.LabelInstance: instance,
	}); err != nil {
		return nil, fmt.Errorf("list the pods of %s/%s: %w", namespace, instance, err)
	}
	return list.Items, nil
}

// ObservePods reads the instance's pods and asks each serving one which mode it runs.
func ObservePods(ctx context.Context, c client.Client, namespace, instance string) (Pods, error) {
	pods, err := ListServerPods(ctx, c, namespace, instance)
	if err != nil {
		return Pods{}, err
	}
	p := Pods{Modes: map[string]int{}, Tracks: map[string]int{}}
	for i := range pods {
		pod := &pods[i]
		if pod.DeletionTimestamp != nil {
			p.Terminating++
			continue
		}
		p.Serving++
		p.Tracks[pod.Labels[iapiv1alpha1.LabelTrack]]++
		if !PodReady(pod) {
			continue
		}
		p.Ready++
		mode, err := PodMode(ctx, pod)
		if err != nil {
			mode = "unknown"
		}
		p.Modes[mode]++
	}
	return p, nil
}

// PodReady reports whether a pod's Ready condition is True.
func PodReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podClient scrapes server pods; SetPodDialer changes how it reaches them.
var podClient = http.DefaultClient

// SetPodDialer makes the framework reach pod addresses with dial: the real node's pods
// are inside its network namespace (localcluster.Cluster.DialPod).
func SetPodDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) {
	podClient = &http.Client{Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
}

// PodMode is the database mode a server pod reports in /metrics: the mode label of
// interviewapi_db_mode whose value is 1.
func PodMode(ctx context.Context, pod *corev1.Pod) (string, error) {
	if pod.Status.PodIP == "" {
		return "", fmt.Errorf("pod %s has no address", pod.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(ServerPort)) + "/metrics"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := podClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("scrape %s: %w", pod.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("scrape %s: HTTP %d", pod.Name, resp.StatusCode)
	}
	const prefix = `interviewapi_db_mode{mode="`
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		mode, value, ok := strings.Cut(rest, `"} `)
		if ok && strings.TrimSpace(value) == "1" {
			return mode, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("scrape %s: %w", pod.Name, err)
	}
	return "", fmt.Errorf("pod %s reports no active interviewapi_db_mode", pod.Name)
}

// WaitSettled waits until an instance has no rollout in progress (Healthy, no canary)
// and exactly replicas pods serve, all ready on mode, none terminating.
func WaitSettled(ctx context.Context, c client.Client, key types.NamespacedName, replicas int, mode string, timeout time.Duration) error {
	return Until(ctx, timeout, fmt.Sprintf("%s settled with %d ready pods on %s", key, replicas, mode), func(ctx context.Context) (bool, string, error) {
		in := &iapiv1alpha1.InterviewAPI{}
		if err := c.Get(ctx, key, in); err != nil {
			return false, err.Error(), nil
		}
		if in.Status.Phase != iapiv1alpha1.PhaseHealthy || in.Status.Canary != nil {
			return false, StatusLine(in), nil
		}
		pods, err := ObservePods(ctx, c, key.Namespace, key.Name)
		if err != nil {
			return false, err.Error(), nil
		}
		return pods.AllOn(replicas, mode), pods.String(), nil
	})
}

// WaitPods waits until an instance's pods satisfy cond.
func WaitPods(ctx context.Context, c client.Client, key types.NamespacedName, timeout time.Duration, what string, cond func(Pods) bool) error {
	return Until(ctx, timeout, what, func(ctx context.Context) (bool, string, error) {
		pods, err := ObservePods(ctx, c, key.Namespace, key.Name)
		if err != nil {
			return false, err.Error(), nil
		}
		return cond(pods), pods.String(), nil
	})
}
