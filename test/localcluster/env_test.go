package localcluster

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestExpandVars(t *testing.T) {
	vars := map[string]string{"A": "1", "B": "two"}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"$(A)", "1"},
		{"x-$(A)-$(B)-y", "x-1-two-y"},
		{"$(UNKNOWN)", "$(UNKNOWN)"},
		{"$$(A)", "$(A)"},
		{"$$", "$"},
		{"cost $5", "cost $5"},
		{"trailing $", "trailing $"},
		{"$(A", "$(A"},
		{"$(A)$(A)", "11"},
	}
	for _, tc := range tests {
		if got := expandVars(tc.in, lookup); got != tc.want {
			t.Errorf("expandVars(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestResolveEnv(t *testing.T) {
	client := fake.NewClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns"}, Data: map[string][]byte{"url": []byte("postgres://x")}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "ns"}, Data: map[string]string{"mode": "async", "size": "20"}},
	)
	src := envSource{client: client, allocatable: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: "p", Namespace: "ns", UID: "u-1",
		Labels: map[string]string{"track": "canary"}, Annotations: map[string]string{"note": "hi"},
	}, Spec: corev1.PodSpec{NodeName: "n", ServiceAccountName: "sa"}}
	ref := func(name string) corev1.LocalObjectReference { return corev1.LocalObjectReference{Name: name} }
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	c := &corev1.Container{
		EnvFrom: []corev1.EnvFromSource{
			{Prefix: "CFG_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: ref("cfg")}},
			{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: ref("missing"), Optional: new(true)}},
		},
		Env: []corev1.EnvVar{
			{Name: "A", Value: "a"},
			{Name: "B", Value: "$(A)$(CFG_mode)"},
			{Name: "URL", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: ref("db"), Key: "url"}}},
			{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: ref("cfg"), Key: "mode"}}},
			{Name: "NAME", ValueFrom: field("metadata.name")},
			{Name: "NS", ValueFrom: field("metadata.namespace")},
			{Name: "UID", ValueFrom: field("metadata.uid")},
			{Name: "TRACK", ValueFrom: field("metadata.labels['track']")},
			{Name: "NOTE", ValueFrom: field("metadata.annotations['note']")},
			{Name: "NODE", ValueFrom: field("spec.nodeName")},
			{Name: "SA", ValueFrom: field("spec.serviceAccountName")},
			{Name: "IP", ValueFrom: field("status.podIP")},
			{Name: "HOST", ValueFrom: field("status.hostIP")},
			{Name: "MEM", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
			{Name: "A", Value: "again"},
		},
	}
	env, err := src.resolve(context.Background(), pod, c, "127.0.0.10", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CFG_mode=async", "CFG_size=20", "A=again", "B=aasync", "URL=postgres://x", "MODE=async",
		"NAME=p", "NS=ns", "UID=u-1", "TRACK=canary", "NOTE=hi", "NODE=n", "SA=sa",
		"IP=127.0.0.10", "HOST=127.0.0.1", "MEM=1024",
	}
	got := env.list()
	if len(got) != len(want) {
		t.Fatalf("env = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("env[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestResolveEnvMissingReferences(t *testing.T) {
	client := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns"}})
	src := envSource{client: client}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}
	secretKey := func(name, key string, optional bool) corev1.EnvVar {
		return corev1.EnvVar{Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: &optional}}}
	}
	tests := []struct {
		name    string
		env     corev1.EnvVar
		wantErr bool
	}{
		{"missing secret", secretKey("absent", "url", false), true},
		{"missing key", secretKey("db", "url", false), true},
		{"optional missing secret", secretKey("absent", "url", true), false},
		{"optional missing key", secretKey("db", "url", true), false},
		{"unsupported field", corev1.EnvVar{Name: "X", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.bogus"}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := src.resolve(context.Background(), pod, &corev1.Container{Env: []corev1.EnvVar{tc.env}}, "", "")
			if tc.wantErr {
				var ce *configError
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want a configError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := env.get("X"); ok {
				t.Errorf("X is set, want it left unset")
			}
		})
	}
}
