package notify

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden payloads in testdata/")

// rolledBack is the decision of a canary failing its second step's analysis.
func rolledBack() Decision {
	at := time.Date(2026, 3, 1, 12, 0, 15, 0, time.UTC)
	return Decision{
		ID:             DecisionID("0b7c6a1e-uid", "7f9c2d", 1, "RolledBack", at, 1),
		Reason:         "RolledBack",
		Severity:       "Warning",
		Message:        "revision 7f9c2d rolled back at step 2/3 (50%): acquireWaitP99 250ms is above the threshold 100ms; stable revision 5d41ab runs every pod",
		Time:           at,
		Namespace:      "prod",
		Name:           "interview",
		UID:            "0b7c6a1e-uid",
		Revision:       "7f9c2d",
		StableRevision: "5d41ab",
		Mode:           "sync",
		Phase:          "RolledBack",
		Step:           &Step{Index: 1, Count: 3, Weight: 50},
		FailedChecks:   []Check{{Name: "acquireWaitP99", Value: "250ms", Threshold: "<= 100ms"}},
	}
}

// promoted is a promotion, which belongs to no step after it and has no failed check.
func promoted() Decision {
	at := time.Date(2026, 3, 1, 12, 0, 20, 0, time.UTC)
	return Decision{
		ID:             DecisionID("0b7c6a1e-uid", "7f9c2d", -1, "Promoted", at, 0),
		Reason:         "Promoted",
		Severity:       "Normal",
		Message:        "revision 7f9c2d (async, pool 20+30/30s/1h) promoted to stable, replacing 5d41ab (sync, pool 20+30/30s/1h): passed all 3 steps",
		Time:           at,
		Namespace:      "prod",
		Name:           "interview",
		UID:            "0b7c6a1e-uid",
		Revision:       "7f9c2d",
		StableRevision: "7f9c2d",
		Mode:           "async",
		Phase:          "Healthy",
	}
}

// TestPayloadGolden compares each format's JSON with the files in testdata/, which
// docs/rollouts.md shows; `go test ./internal/notify -run Golden -update` rewrites
// them after a deliberate change.
func TestPayloadGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		typ  string
		d    Decision
	}{
		{"webhook_rolledback.json", TypeWebhook, rolledBack()},
		{"webhook_promoted.json", TypeWebhook, promoted()},
		{"slack_rolledback.json", TypeSlack, rolledBack()},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := Body(tc.typ, tc.d)
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("%s differs:\n got: %s\nwant: %s", tc.file, pretty.Bytes(), want)
			}
		})
	}
}

// The fields a receiver relies on, stated independently of the golden files.
func TestWebhookPayloadFields(t *testing.T) {
	var got map[string]any
	body, err := Body(TypeWebhook, rolledBack())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got["apiVersion"] != "notifications.interviewapi.io/v1" || got["kind"] != "RolloutDecision" ||
		got["decision"] != "RolledBack" || got["severity"] != "Warning" || got["time"] != "2026-03-01T12:00:15Z" {
		t.Errorf("header fields: %v", got)
	}
	step, _ := got["step"].(map[string]any)
	if step["index"] != 1.0 || step["number"] != 2.0 || step["count"] != 3.0 || step["weight"] != 50.0 {
		t.Errorf("step %v", step)
	}
	checks, _ := got["failedChecks"].([]any)
	if len(checks) != 1 || checks[0].(map[string]any)["threshold"] != "<= 100ms" {
		t.Errorf("failedChecks %v", checks)
	}
	if _, ok := got["failedChecks"]; !ok {
		t.Error("no failedChecks")
	}
	promoted, _ := Body(TypeWebhook, promoted())
	var p map[string]any
	_ = json.Unmarshal(promoted, &p)
	if _, ok := p["step"]; ok {
		t.Error("a decision of no step has a step")
	}
	if _, ok := p["failedChecks"]; ok {
		t.Error("a promotion has failedChecks")
	}
}

func TestSlackEscapesMarkup(t *testing.T) {
	m := Slack(rolledBack())
	body, _ := Body(TypeSlack, rolledBack())
	if bytes.Contains(body, []byte("<= 100ms")) || !bytes.Contains(body, []byte("&lt;= 100ms")) {
		t.Errorf("the threshold is not escaped for mrkdwn: %s", body)
	}
	if m.Text == "" || m.Blocks[0].Type != "section" || m.Blocks[len(m.Blocks)-1].Type != "context" {
		t.Errorf("message shape: %+v", m)
	}
}

func TestDecisionID(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	base := DecisionID("uid", "rev", 0, "StepPromoted", at, 0)
	if len(base) != 20 {
		t.Errorf("id %q: want 20 hex digits", base)
	}
	if again := DecisionID("uid", "rev", 0, "StepPromoted", at.Add(500*time.Millisecond), 0); again != base {
		t.Error("the same decision within its second got another ID")
	}
	for name, other := range map[string]string{
		"uid":      DecisionID("uid2", "rev", 0, "StepPromoted", at, 0),
		"revision": DecisionID("uid", "rev2", 0, "StepPromoted", at, 0),
		"step":     DecisionID("uid", "rev", 1, "StepPromoted", at, 0),
		"reason":   DecisionID("uid", "rev", 0, "Promoted", at, 0),
		"time":     DecisionID("uid", "rev", 0, "StepPromoted", at.Add(time.Second), 0),
		"sequence": DecisionID("uid", "rev", 0, "StepPromoted", at, 1),
	} {
		if other == base {
			t.Errorf("another %s, the same ID", name)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T000/B000/XXXX": "https://hooks.slack.com",
		"http://hooks.ops.svc:8080/rollouts?token=x":      "http://hooks.ops.svc:8080",
		"not a url": "(not a URL)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
