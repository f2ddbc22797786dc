package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestLoggerWritesDurationsAsText(t *testing.T) {
	var buf bytes.Buffer
	newLogger(&buf).With("shutdown", 20*time.Second).WithGroup("pool").
		Info("serving", "timeout", 1500*time.Millisecond, "recycle", any(time.Hour), "size", 20)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not a JSON line: %v: %s", err, buf.Bytes())
	}
	pool, _ := line["pool"].(map[string]any)
	if line["shutdown"] != "20s" || pool["timeout"] != "1.5s" || pool["recycle"] != "1h0m0s" || pool["size"] != float64(20) {
		t.Errorf("logged %s, want durations as strings and numbers as numbers", buf.Bytes())
	}
}
