package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/interviewapi/operator/controllers"
	"github.com/interviewapi/operator/internal/poolhealth"
)

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name           string
		args           []string
		wantNamespaces []string
		wantLevel      zapcore.Level
		wantElect      bool
		wantMetrics    string
	}{
		{"defaults", nil, nil, zapcore.InfoLevel, true, ":8080"},
		{"repeated namespaces", []string{"--namespace=a", "--namespace", "b"}, []string{"a", "b"}, zapcore.InfoLevel, true, ":8080"},
		{"comma list, duplicates dropped", []string{"--namespace=a, b,a", "--namespace=c"}, []string{"a", "b", "c"}, zapcore.InfoLevel, true, ":8080"},
		{"debug logs", []string{"--log-level=debug"}, nil, zapcore.DebugLevel, true, ":8080"},
		{"zap's own level wins", []string{"--log-level=debug", "--zap-log-level=error"}, nil, zapcore.ErrorLevel, true, ":8080"},
		{"no election, metrics off", []string{"--leader-elect=false", "--metrics-bind-address=0"}, nil, zapcore.InfoLevel, false, "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(o.namespaces, tc.wantNamespaces) {
				t.Errorf("namespaces %q, want %q", o.namespaces, tc.wantNamespaces)
			}
			level, ok := o.zap.Level.(zapcore.Level)
			if !ok {
				if l, isAtomic := o.zap.Level.(interface{ Level() zapcore.Level }); isAtomic {
					level, ok = l.Level(), true
				}
			}
			if !ok || level != tc.wantLevel {
				t.Errorf("log level %v, want %v", o.zap.Level, tc.wantLevel)
			}
			if o.leaderElect != tc.wantElect || o.metricsAddr != tc.wantMetrics {
				t.Errorf("leader election %v metrics %q", o.leaderElect, o.metricsAddr)
			}
		})
	}
}

func TestParseFlagsRejects(t *testing.T) {
	cases := map[string][]string{
		"unknown log level":            {"--log-level=verbose"},
		"namespace not a name":         {"--namespace=Prod_1"},
		"empty namespace in list":      {"--namespace=a,,b"},
		"unknown flag":                 {"--watch-everything"},
		"stray argument":               {"serve"},
		"no workers":                   {"--max-concurrent-reconciles=0"},
		"zero scrape timeout":          {"--scrape-timeout=0s"},
		"negative query range":         {"--prometheus-min-range=-1m"},
		"analysis outlasts pass":       {"--analysis-timeout=20s", "--reconcile-timeout=20s"},
		"zero analysis timeout":        {"--analysis-timeout=0s"},
		"scrape outlasts analysis":     {"--scrape-timeout=5s", "--analysis-timeout=4s"},
		"allowed URL with userinfo":    {"--allowed-prometheus-urls=http://a.svc@evil"},
		"allowed URL of a scheme":      {"--allowed-prometheus-urls=file:///etc"},
		"notification URL of a scheme": {"--allowed-notification-urls=ftp://hooks.svc"},
		"advice windows too short":     {"--advice-interval=10s"},
	}
	for name, args := range cases {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%s: %v accepted", name, args)
		}
	}
	if _, err := parseFlags([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: want flag.ErrHelp, got %v", err)
	}
}

func TestParseRolloutFlags(t *testing.T) {
	cases := []struct {
		name        string
		args        []string
		wantWorkers int
		wantScrape  time.Duration
		wantRange   time.Duration
	}{
		{"defaults", nil, 4, poolhealth.DefaultScrapeTimeout, poolhealth.DefaultMinRange},
		{"set", []string{"--max-concurrent-reconciles=8", "--scrape-timeout=1500ms", "--prometheus-min-range=2m"}, 8, 1500 * time.Millisecond, 2 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if o.maxConcurrentReconciles != tc.wantWorkers || o.scrapeTimeout != tc.wantScrape || o.prometheusMinRange != tc.wantRange {
				t.Errorf("workers %d scrape timeout %s min range %s, want %d %s %s",
					o.maxConcurrentReconciles, o.scrapeTimeout, o.prometheusMinRange, tc.wantWorkers, tc.wantScrape, tc.wantRange)
			}
		})
	}
}

func TestParseDeadlineAndAllowFlags(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.reconcileTimeout != controllers.DefaultReconcileTimeout || o.analysisTimeout != controllers.DefaultAnalysisTimeout {
		t.Errorf("timeouts %s %s, want the defaults", o.reconcileTimeout, o.analysisTimeout)
	}
	if err := o.allowedPrometheus.Check("http://prometheus.monitoring.svc:9090"); err != nil {
		t.Errorf("default list refuses an in-cluster Service: %v", err)
	}
	if err := o.allowedPrometheus.Check("http://prometheus.example.com"); err == nil {
		t.Error("default list allows a name outside the cluster")
	}

	o, err = parseFlags([]string{"--allowed-prometheus-urls=https://prometheus.example.com/, *.monitoring.svc", "--analysis-timeout=4s", "--reconcile-timeout=6s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.analysisTimeout != 4*time.Second || o.reconcileTimeout != 6*time.Second {
		t.Errorf("timeouts %s %s", o.analysisTimeout, o.reconcileTimeout)
	}
	for url, allowed := range map[string]bool{
		"https://prometheus.example.com/api": true,
		"http://prom.monitoring.svc:9090":    true,
		"http://prom.other.svc:9090":         false,
	} {
		if err := o.allowedPrometheus.Check(url); (err == nil) != allowed {
			t.Errorf("%s: allowed %v (%v), want %v", url, err == nil, err, allowed)
		}
	}

	o, err = parseFlags([]string{"--allowed-prometheus-urls="}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.allowedPrometheus.Check("http://prometheus.monitoring.svc:9090"); err == nil {
		t.Error("an empty --allowed-prometheus-urls allows an address")
	}
}

func TestParseNotificationAllowFlag(t *testing.T) {
	o, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for url, allowed := range map[string]bool{
		"http://hooks.ops.svc:8080/rollouts":              true,
		"http://hooks.ops.svc.cluster.local/x":            true,
		"https://hooks.slack.com/services/T0/B0/secret":   true,
		"http://hooks.slack.com/services/T0/B0/secret":    false,
		"https://hooks.slack.com.evil.example/services/x": false,
		"https://webhook.example.com/rollouts":            false,
	} {
		if err := o.allowedNotifications.Check(url); (err == nil) != allowed {
			t.Errorf("default list, %s: allowed %v (%v), want %v", url, err == nil, err, allowed)
		}
	}
	o, err = parseFlags([]string{"--allowed-notification-urls=https://webhook.example.com/rollouts"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.allowedNotifications.Check("https://webhook.example.com/rollouts/prod") != nil || o.allowedNotifications.Check("https://hooks.slack.com/services/x") == nil {
		t.Error("--allowed-notification-urls does not replace the default list")
	}
}

func TestParseAdviceInterval(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want time.Duration
	}{
		{nil, controllers.DefaultAdviceInterval},
		{[]string{"--advice-interval=0"}, 0},
		{[]string{"--advice-interval=30s"}, 30 * time.Second},
	} {
		o, err := parseFlags(tc.args, io.Discard)
		if err != nil || o.adviceInterval != tc.want {
			t.Errorf("%v: advice interval %s (%v), want %s", tc.args, o.adviceInterval, err, tc.want)
		}
	}
}
