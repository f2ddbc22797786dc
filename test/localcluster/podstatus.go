package localcluster

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podSnapshot is what the node agent knows about a pod's processes at one moment.
type podSnapshot struct {
	hostIP, podIP string
	startTime     metav1.Time
	// initStatuses and statuses follow the order of the pod spec.
	initStatuses, statuses []corev1.ContainerStatus
	// initialized: every init container has completed.
	initialized bool
	// initFailed: an init container failed and the restart policy forbids a retry.
	initFailed bool
}

// ownedCondition tells the pod conditions the kubelet (here, the node agent) writes;
// any other condition in the status (readiness gates, DisruptionTarget) is kept.
func ownedCondition(t corev1.PodConditionType) bool {
	switch t {
	case corev1.PodScheduled, corev1.PodReadyToStartContainers, corev1.PodInitialized,
		corev1.ContainersReady, corev1.PodReady:
		return true
	}
	return false
}

// buildPodStatus computes a pod's status from a snapshot, as the kubelet would. Times
// of conditions that did not change are kept from the current status, so an unchanged
// snapshot yields an unchanged status.
func buildPodStatus(pod *corev1.Pod, s podSnapshot, now time.Time) corev1.PodStatus {
	st := corev1.PodStatus{
		Phase:                 podPhase(pod, s),
		HostIP:                s.hostIP,
		PodIP:                 s.podIP,
		StartTime:             &s.startTime,
		InitContainerStatuses: s.initStatuses,
		ContainerStatuses:     s.statuses,
		QOSClass:              pod.Status.QOSClass,
	}
	if s.hostIP != "" {
		st.HostIPs = []corev1.HostIP{{IP: s.hostIP}}
	}
	if s.podIP != "" {
		st.PodIPs = []corev1.PodIP{{IP: s.podIP}}
	}
	conditions := podConditions(pod, s, st.Phase)
	for _, c := range pod.Status.Conditions {
		if !ownedCondition(c.Type) {
			conditions = append(conditions, c)
		}
	}
	for i := range conditions {
		c := &conditions[i]
		if old := findCondition(pod.Status.Conditions, c.Type); old != nil && old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		} else if c.LastTransitionTime.IsZero() {
			c.LastTransitionTime = metav1.NewTime(now)
		}
	}
	st.Conditions = conditions
	return st
}

// podPhase follows the kubelet's rules: Pending until every container has started at
// least once, Running while any runs or will be restarted, and Succeeded or Failed
// once all have stopped for good.
func podPhase(pod *corev1.Pod, s podSnapshot) corev1.PodPhase {
	if s.initFailed {
		return corev1.PodFailed
	}
	if !s.initialized {
		return corev1.PodPending
	}
	var waiting, running, stopped, succeeded int
	for _, c := range s.statuses {
		switch {
		case c.State.Running != nil:
			running++
		case c.State.Terminated != nil:
			stopped++
			if c.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case c.State.Waiting != nil && c.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped == 0:
		return corev1.PodPending
	}
	// Every container has stopped: it is over unless one will be restarted.
	allSucceeded := stopped == succeeded
	switch pod.Spec.RestartPolicy {
	case corev1.RestartPolicyNever:
	case corev1.RestartPolicyOnFailure:
		if !allSucceeded {
			return corev1.PodRunning
		}
	default:
		return corev1.PodRunning
	}
	if allSucceeded {
		return corev1.PodSucceeded
	}
	return corev1.PodFailed
}

func podConditions(pod *corev1.Pod, s podSnapshot, phase corev1.PodPhase) []corev1.PodCondition {
	conds := []corev1.PodCondition{
		{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue},
	}
	if s.initialized {
		conds = append(conds, corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue})
	} else {
		conds = append(conds, corev1.PodCondition{
			Type: corev1.PodInitialized, Status: corev1.ConditionFalse, Reason: "ContainersNotInitialized",
			Message: "containers with incomplete status: " + unfinishedInit(s.initStatuses),
		})
	}

	containersReady := corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}
	ready := corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}
	if phase == corev1.PodSucceeded || phase == corev1.PodFailed {
		containersReady = corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "PodCompleted"}
		ready = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "PodCompleted"}
	} else if unready := unreadyContainers(s); !s.initialized || unready != "" {
		msg := "containers with unready status: " + unready
		if !s.initialized {
			msg = "containers with incomplete status: " + unfinishedInit(s.initStatuses)
		}
		containersReady = corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: msg}
		ready = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: msg}
	} else if gates := unmetReadinessGates(pod); gates != "" {
		ready = corev1.PodCondition{
			Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ReadinessGatesNotReady",
			Message: "corresponding condition of pod readiness gate " + gates + " does not exist or is not True",
		}
	}
	conds = append(conds, containersReady, ready,
		corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
	return conds
}

func unfinishedInit(statuses []corev1.ContainerStatus) string {
	var names []string
	for _, c := range statuses {
		if c.State.Terminated == nil || c.State.Terminated.ExitCode != 0 {
			names = append(names, c.Name)
		}
	}
	return "[" + strings.Join(names, " ") + "]"
}

func unreadyContainers(s podSnapshot) string {
	var names []string
	for _, c := range s.statuses {
		if !c.Ready {
			names = append(names, c.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "[" + strings.Join(names, " ") + "]"
}

func unmetReadinessGates(pod *corev1.Pod) string {
	var unmet []string
	for _, g := range pod.Spec.ReadinessGates {
		if c := findCondition(pod.Status.Conditions, g.ConditionType); c == nil || c.Status != corev1.ConditionTrue {
			unmet = append(unmet, fmt.Sprintf("%q", g.ConditionType))
		}
	}
	return strings.Join(unmet, ", ")
}

func findCondition(conds []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}
