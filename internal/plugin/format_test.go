package plugin

import (
	"strings"
	"testing"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

func TestRenderStatus(t *testing.T) {
	tests := []struct {
		golden string
		obj    *iapiv1alpha1.InterviewAPI
	}{
		{"status_progressing", progressingInstance("demo")},
		{"status_rolled_back", rolledBackInstance("demo")},
		{"status_promoted", promotedInstance("demo")},
		{"status_paused", pausedInstance("demo")},
		{"status_not_reconciled", baseInstance("demo")},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := renderStatus(tt.obj, fixtureNow())
			assertNoTrailingBlanks(t, got)
			assertGolden(t, tt.golden, got)
		})
	}
}

func TestRenderHistory(t *testing.T) {
	tests := []struct {
		golden string
		obj    *iapiv1alpha1.InterviewAPI
	}{
		{"history_promoted", promotedInstance("demo")},
		{"history_rolled_back", rolledBackInstance("demo")},
		{"history_empty", baseInstance("demo")},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := renderHistory(tt.obj, fixtureNow())
			assertNoTrailingBlanks(t, got)
			assertGolden(t, tt.golden, got)
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "-"},
		{"  ", "-"},
		{"a\tb\nc", "a b c"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPendingRequests(t *testing.T) {
	tests := []struct {
		annotations map[string]string
		want        string
	}{
		{nil, ""},
		{map[string]string{"other": "x"}, ""},
		{map[string]string{iapiv1alpha1.AnnotationPromote: ""}, "promote=next"},
		{map[string]string{iapiv1alpha1.AnnotationPromote: "full", iapiv1alpha1.AnnotationAbort: "true", iapiv1alpha1.AnnotationRetry: "true"}, "promote=full, abort, retry"},
	}
	for _, tt := range tests {
		if got := pendingRequests(tt.annotations); got != tt.want {
			t.Errorf("pendingRequests(%v) = %q, want %q", tt.annotations, got, tt.want)
		}
	}
}

func assertNoTrailingBlanks(t *testing.T, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if strings.TrimRight(line, " \t") != line {
			t.Errorf("line %d has trailing blanks: %q", i+1, line)
		}
	}
}
