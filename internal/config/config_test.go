package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	c, err := Load(map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1:5432/db"})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DatabaseURL:       "postgres://u@127.0.0.1:5432/db",
		PoolSize:          20,
		MaxOverflow:       30,
		PoolTimeout:       Seconds(30 * time.Second),
		PoolRecycle:       Seconds(time.Hour),
		MonitoringEnabled: true,
		ListenAddr:        ":8000",
		ShutdownTimeout:   20 * time.Second,
	}
	if c != want {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if c.Mode() != "sync" {
		t.Fatalf("default mode %q, want sync", c.Mode())
	}
}

func TestLoadValues(t *testing.T) {
	c, err := Load(map[string]string{
		"DATABASE_URL":                      "postgresql+asyncpg://user:pass@db:5432/app?ssl=require",
		"ASYNC_DATABASE_ENABLED":            "true",
		"ASYNC_DATABASE_POOL_SIZE":          "5",
		"ASYNC_DATABASE_MAX_OVERFLOW":       "0",
		"ASYNC_DATABASE_POOL_TIMEOUT":       "0.5",
		"ASYNC_DATABASE_POOL_RECYCLE":       "1h",
		"ASYNC_DATABASE_MONITORING_ENABLED": "false",
		"LISTEN_ADDR":                       "127.0.0.1:9000",
		"GENERATOR_LATENCY":                 "50ms",
		"AI_PROVIDER_URL":                   "http://127.0.0.1:1/v1/chat/completions",
		"AI_PROVIDER_MODEL":                 "m",
		"SHUTDOWN_TIMEOUT":                  "3s",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://user:pass@db:5432/app?sslmode=require" {
		t.Errorf("DatabaseURL = %q", c.DatabaseURL)
	}
	if c.Mode() != "async" || c.PoolSize != 5 || c.MaxOverflow != 0 || c.MonitoringEnabled {
		t.Errorf("pool settings = %+v", c)
	}
	if c.PoolTimeout.Duration() != 500*time.Millisecond || c.PoolRecycle.Duration() != time.Hour {
		t.Errorf("timeout %v recycle %v", c.PoolTimeout, c.PoolRecycle)
	}
	if c.GeneratorLatency != 50*time.Millisecond || c.ShutdownTimeout != 3*time.Second || c.ListenAddr != "127.0.0.1:9000" {
		t.Errorf("other settings = %+v", c)
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
		str     string
	}{
		{in: "30", want: 30 * time.Second, str: "30"},
		{in: "0.5", want: 500 * time.Millisecond, str: "0.5"},
		{in: "3600", want: time.Hour, str: "3600"},
		{in: "500ms", want: 500 * time.Millisecond, str: "0.5"},
		{in: "1h", want: time.Hour, str: "3600"},
		{in: " 2 ", want: 2 * time.Second, str: "2"},
		{in: "abc", wantErr: true},
		{in: "", wantErr: true},
		{in: "NaN", wantErr: true},
		{in: "1e300", wantErr: true},
	}
	for _, tt := range tests {
		var s Seconds
		err := s.UnmarshalText([]byte(tt.in))
		if tt.wantErr {
			if err == nil {
				t.Errorf("%q: no error, got %v", tt.in, s.Duration())
			}
			continue
		}
		if err != nil || s.Duration() != tt.want || s.String() != tt.str {
			t.Errorf("%q: got %v (%q), %v; want %v (%q)", tt.in, s.Duration(), s.String(), err, tt.want, tt.str)
		}
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	base := func(kv ...string) map[string]string {
		m := map[string]string{"DATABASE_URL": "postgres://u:secret@127.0.0.1/db"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		environ map[string]string
		want    string
	}{
		{"url missing", map[string]string{}, "DATABASE_URL: required but not set"},
		{"url empty", map[string]string{"DATABASE_URL": ""}, "DATABASE_URL: required but empty"},
		{"url scheme", base("DATABASE_URL", "mysql://u:secret@h/db"), "DATABASE_URL: scheme \"mysql\" not supported"},
		{"url garbage", base("DATABASE_URL", "postgres://u:secret@h:notaport/db"), "DATABASE_URL:"},
		{"pool size word", base("ASYNC_DATABASE_POOL_SIZE", "many"), `ASYNC_DATABASE_POOL_SIZE: invalid value "many": want an integer`},
		{"pool size zero", base("ASYNC_DATABASE_POOL_SIZE", "0"), "ASYNC_DATABASE_POOL_SIZE: must be at least 1"},
		{"overflow negative", base("ASYNC_DATABASE_MAX_OVERFLOW", "-1"), "ASYNC_DATABASE_MAX_OVERFLOW: must not be negative"},
		{"enabled", base("ASYNC_DATABASE_ENABLED", "yes please"), `ASYNC_DATABASE_ENABLED: invalid value "yes please": want true or false`},
		{"timeout word", base("ASYNC_DATABASE_POOL_TIMEOUT", "soon"), `ASYNC_DATABASE_POOL_TIMEOUT: invalid value "soon": want seconds`},
		{"timeout zero", base("ASYNC_DATABASE_POOL_TIMEOUT", "0"), "ASYNC_DATABASE_POOL_TIMEOUT: must be positive"},
		{"recycle negative", base("ASYNC_DATABASE_POOL_RECYCLE", "-3"), "ASYNC_DATABASE_POOL_RECYCLE: must not be negative"},
		{"latency", base("GENERATOR_LATENCY", "50"), `GENERATOR_LATENCY: invalid value "50": want a Go duration`},
		{"shutdown", base("SHUTDOWN_TIMEOUT", "0s"), "SHUTDOWN_TIMEOUT: must be positive"},
		{"ai model without url", base("AI_PROVIDER_MODEL", "m"), "AI_PROVIDER_URL: must be set"},
		{"ai url without model", base("AI_PROVIDER_URL", "http://127.0.0.1/v1"), "AI_PROVIDER_MODEL: must be set"},
		{"ai url relative", base("AI_PROVIDER_URL", "/v1", "AI_PROVIDER_MODEL", "m"), "AI_PROVIDER_URL: want an absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.environ)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.want) {
				t.Errorf("error %q does not start with %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
			if strings.Contains(msg, "secret") {
				t.Errorf("error leaks the password: %q", msg)
			}
		})
	}
}

func TestNormalizeDatabaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgresql://u@h:5433/db?sslmode=disable", "postgres://u@h:5433/db?sslmode=disable"},
		{"postgresql+asyncpg://user:pass@localhost:5432/db", "postgres://user:pass@localhost:5432/db"},
		{"POSTGRESQL+ASYNCPG://u@h/db?ssl=disable", "postgres://u@h/db?sslmode=disable"},
		{"postgresql+psycopg2://u@h/db", "postgres://u@h/db"},
	}
	for _, tt := range tests {
		got, err := NormalizeDatabaseURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeDatabaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
