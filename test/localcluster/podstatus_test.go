package localcluster

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func running(name string, ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func waiting(name, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

func exited(name string, code int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}
}

func crashLooping(name string) corev1.ContainerStatus {
	s := waiting(name, "CrashLoopBackOff")
	s.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}
	return s
}

func TestPodPhase(t *testing.T) {
	tests := []struct {
		name        string
		policy      corev1.RestartPolicy
		initialized bool
		initFailed  bool
		statuses    []corev1.ContainerStatus
		want        corev1.PodPhase
	}{
		{"init running", corev1.RestartPolicyAlways, false, false, []corev1.ContainerStatus{waiting("a", "PodInitializing")}, corev1.PodPending},
		{"init failed for good", corev1.RestartPolicyNever, false, true, []corev1.ContainerStatus{waiting("a", "PodInitializing")}, corev1.PodFailed},
		{"image missing", corev1.RestartPolicyAlways, true, false, []corev1.ContainerStatus{waiting("a", "ErrImagePull")}, corev1.PodPending},
		{"one of two not started", corev1.RestartPolicyAlways, true, false, []corev1.ContainerStatus{running("a", true), waiting("b", "ContainerCreating")}, corev1.PodPending},
		{"running", corev1.RestartPolicyAlways, true, false, []corev1.ContainerStatus{running("a", false)}, corev1.PodRunning},
		{"crash looping", corev1.RestartPolicyAlways, true, false, []corev1.ContainerStatus{crashLooping("a")}, corev1.PodRunning},
		{"always: exited 0 restarts", corev1.RestartPolicyAlways, true, false, []corev1.ContainerStatus{exited("a", 0)}, corev1.PodRunning},
		{"on failure: failed restarts", corev1.RestartPolicyOnFailure, true, false, []corev1.ContainerStatus{exited("a", 2)}, corev1.PodRunning},
		{"on failure: all succeeded", corev1.RestartPolicyOnFailure, true, false, []corev1.ContainerStatus{exited("a", 0)}, corev1.PodSucceeded},
		{"never: succeeded", corev1.RestartPolicyNever, true, false, []corev1.ContainerStatus{exited("a", 0), exited("b", 0)}, corev1.PodSucceeded},
		{"never: one failed", corev1.RestartPolicyNever, true, false, []corev1.ContainerStatus{exited("a", 0), exited("b", 137)}, corev1.PodFailed},
		{"never: one still runs", corev1.RestartPolicyNever, true, false, []corev1.ContainerStatus{exited("a", 1), running("b", true)}, corev1.PodRunning},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: tc.policy}}
			got := podPhase(pod, podSnapshot{initialized: tc.initialized, initFailed: tc.initFailed, statuses: tc.statuses})
			if got != tc.want {
				t.Errorf("phase = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBuildPodStatusConditions(t *testing.T) {
	earlier := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		pod       *corev1.Pod
		snap      podSnapshot
		wantReady corev1.ConditionStatus
		reason    string
	}{
		{
			name:      "all ready",
			pod:       &corev1.Pod{},
			snap:      podSnapshot{initialized: true, statuses: []corev1.ContainerStatus{running("a", true)}},
			wantReady: corev1.ConditionTrue,
		},
		{
			name:      "container not ready",
			pod:       &corev1.Pod{},
			snap:      podSnapshot{initialized: true, statuses: []corev1.ContainerStatus{running("a", true), running("b", false)}},
			wantReady: corev1.ConditionFalse, reason: "ContainersNotReady",
		},
		{
			name:      "initialising",
			pod:       &corev1.Pod{},
			snap:      podSnapshot{initStatuses: []corev1.ContainerStatus{running("init", false)}, statuses: []corev1.ContainerStatus{waiting("a", "PodInitializing")}},
			wantReady: corev1.ConditionFalse, reason: "ContainersNotReady",
		},
		{
			name:      "readiness gate unmet",
			pod:       &corev1.Pod{Spec: corev1.PodSpec{ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}}}},
			snap:      podSnapshot{initialized: true, statuses: []corev1.ContainerStatus{running("a", true)}},
			wantReady: corev1.ConditionFalse, reason: "ReadinessGatesNotReady",
		},
		{
			name: "readiness gate met",
			pod: &corev1.Pod{
				Spec:   corev1.PodSpec{ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}}},
				Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: "example.com/lb", Status: corev1.ConditionTrue}}},
			},
			snap:      podSnapshot{initialized: true, statuses: []corev1.ContainerStatus{running("a", true)}},
			wantReady: corev1.ConditionTrue,
		},
		{
			name:      "completed",
			pod:       &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever}},
			snap:      podSnapshot{initialized: true, statuses: []corev1.ContainerStatus{exited("a", 0)}},
			wantReady: corev1.ConditionFalse, reason: "PodCompleted",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.snap.podIP, tc.snap.hostIP = "127.0.0.10", "127.0.0.1"
			st := buildPodStatus(tc.pod, tc.snap, now)
			ready := findCondition(st.Conditions, corev1.PodReady)
			if ready == nil || ready.Status != tc.wantReady || ready.Reason != tc.reason {
				t.Fatalf("Ready = %+v, want %s with reason %q", ready, tc.wantReady, tc.reason)
			}
			if sched := findCondition(st.Conditions, corev1.PodScheduled); sched == nil || sched.Status != corev1.ConditionTrue {
				t.Errorf("PodScheduled = %+v, want True", sched)
			}
			if st.PodIP != "127.0.0.10" || len(st.PodIPs) != 1 || st.PodIPs[0].IP != "127.0.0.10" || st.HostIP != "127.0.0.1" {
				t.Errorf("addresses: podIP %q podIPs %v hostIP %q", st.PodIP, st.PodIPs, st.HostIP)
			}
			// Conditions owned by others survive.
			for _, c := range tc.pod.Status.Conditions {
				if findCondition(st.Conditions, c.Type) == nil {
					t.Errorf("condition %s of another writer was dropped", c.Type)
				}
			}
		})
	}

	// An unchanged condition keeps its transition time; a changed one gets now.
	pod := &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: earlier},
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: earlier},
	}}}
	st := buildPodStatus(pod, podSnapshot{initialized: true, statuses: []corev1.ContainerStatus{running("a", true)}}, now)
	if got := findCondition(st.Conditions, corev1.PodScheduled).LastTransitionTime; !got.Equal(&earlier) {
		t.Errorf("unchanged PodScheduled transition time = %v, want %v", got, earlier)
	}
	if got := findCondition(st.Conditions, corev1.PodReady).LastTransitionTime; !got.Time.Equal(now) {
		t.Errorf("changed Ready transition time = %v, want %v", got, now)
	}
}
