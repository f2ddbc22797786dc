package main

import (
	"maps"
	"net/url"
	"testing"
)

func TestRequestKind(t *testing.T) {
	tests := []struct{ method, url, want string }{
		{"GET", "/apis/apps/v1/deployments?labelSelector=x&limit=500", "list deployments"},
		{"GET", "/apis/apps/v1/deployments?watch=true&resourceVersion=5", "watch deployments"},
		{"GET", "/apis/apps/v1/namespaces/a/deployments/web", "get deployments"},
		{"GET", "/apis/apps/v1/namespaces/a/deployments", "list deployments"},
		{"GET", "/api/v1/namespaces/a/pods?labelSelector=app%3Dx", "list pods"},
		{"GET", "/api/v1/namespaces/a", "get namespaces"},
		{"GET", "/api/v1/namespaces", "list namespaces"},
		{"PUT", "/apis/apps.interviewapi.io/v1alpha1/namespaces/a/interviewapis/x/status", "update interviewapis/status"},
		{"PATCH", "/apis/apps/v1/namespaces/a/deployments/web?fieldManager=m&force=true", "patch deployments"},
		{"POST", "/apis/events.k8s.io/v1/namespaces/a/events", "create events"},
		{"DELETE", "/apis/apps/v1/namespaces/a/deployments/web-canary", "delete deployments"},
		{"PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/op", "lease update"},
		{"GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/op", "lease get"},
		{"GET", "/version", "get"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := requestKind(tt.method, u); got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.method, tt.url, got, tt.want)
		}
	}
	for kind, want := range map[string]bool{"patch deployments": true, "create events": true, "lease update": true, "watch pods": false, "lease get": false, "list pods": false} {
		if isWrite(kind) != want {
			t.Errorf("isWrite(%q) = %v", kind, !want)
		}
	}
}

func TestCountsBetween(t *testing.T) {
	got := countsBetween(map[string]int{"get": 3, "watch": 4}, map[string]int{"get": 5, "watch": 4, "patch": 1})
	if want := map[string]int{"get": 2, "patch": 1}; !maps.Equal(got, want) {
		t.Errorf("countsBetween = %v, want %v", got, want)
	}
}
