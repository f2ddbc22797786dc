package urlallow

import (
	"strings"
	"testing"
)

func TestDefaultList(t *testing.T) {
	l, err := Parse(Default)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		url string
		// refused is "" when the URL is allowed, else a part of the refusal.
		refused string
	}{
		{"http://prometheus.monitoring.svc:9090", ""},
		{"http://prometheus.monitoring.svc", ""},
		{"https://prometheus.monitoring.svc.cluster.local:9091/prometheus", ""},
		{"http://PROMETHEUS.Monitoring.SVC:9090/", ""},
		{"HTTP://prometheus.monitoring.svc:9090", ""},

		// user information: the host is what follows the @
		{"http://a.svc@evil.example.com", "user information"},
		{"http://a.svc:9090@169.254.169.254/", "user information"},
		{"http://user:pass@prometheus.monitoring.svc:9090", "user information"},
		// another host that merely starts like an allowed one
		{"http://prometheus.monitoring.svc.evil.example.com", "not among the allowed"},
		{"http://prometheus.monitoring.svc.cluster.local.evil.example.com:9090", "not among the allowed"},
		{"http://evil.example.com#@prometheus.monitoring.svc", "fragment"},
		{"http://evil.example.com/?@prometheus.monitoring.svc", "query"},
		{"http://evil.example.com/prometheus.monitoring.svc", "not among the allowed"},
		{"http://svc", "not among the allowed"},
		{"http://.svc", "host"},
		// IP literals, the metadata address and numeric spellings of it
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[fe80::1]:9090", "link-local"},
		{"http://[::ffff:169.254.169.254]/", "link-local"},
		{"http://0.0.0.0:9090", "unspecified"},
		{"http://[::]:9090", "unspecified"},
		{"http://10.96.0.10:9090", "not among the allowed"},
		{"http://127.0.0.1:8080/metrics", "not among the allowed"},
		{"http://[::1]:9090", "not among the allowed"},
		{"http://2852039166/", "numeric"},
		{"http://0xa9fea9fe/", "numeric"},
		{"http://169.254.43518/", "numeric"},
		// encoded hosts and paths
		{"http://%70rometheus.monitoring.svc:9090", "not a URL"}, // url.Parse refuses escapes in a host
		{"http://169%2e254%2e169%2e254/", "not a URL"},
		{"http://prometheus.monitoring.svc/a/../../admin", ". or .. segment"},
		{"http://prometheus.monitoring.svc/%2e%2e/admin", "encoded"},
		{"http://prometheus.monitoring.svc/a%2fb", "encoded"},
		{"http://prometheus.monitoring.svc\\@evil/", "not a URL"},
		// ports
		{"http://prometheus.monitoring.svc:0", "port"},
		{"http://prometheus.monitoring.svc:65536", "port"},
		{"http://prometheus.monitoring.svc:09090", "port"},
		// schemes
		{"file:///etc/passwd", "scheme"},
		{"gopher://prometheus.monitoring.svc:70/", "scheme"},
		{"ftp://prometheus.monitoring.svc/", "scheme"},
		{"unix:///var/run/prometheus.sock", "scheme"},
		{"//prometheus.monitoring.svc:9090", "scheme"},
		{"prometheus.monitoring.svc:9090", "scheme"},
		{"http:prometheus.monitoring.svc", "no host"},
		{"http:///prometheus.monitoring.svc", "no host"},
		{"", "scheme"},
		{" http://prometheus.monitoring.svc", "not a URL"},
		{"http://prometheus.monitoring.svc./", "host"},
		{"http://prometheus_1.monitoring.svc/", "host"},
	}
	for _, tc := range cases {
		err := l.Check(tc.url)
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%q refused: %v", tc.url, err)
		case tc.refused != "" && err == nil:
			t.Errorf("%q allowed, want it refused (%s)", tc.url, tc.refused)
		case tc.refused != "" && !strings.Contains(err.Error(), tc.refused):
			t.Errorf("%q refused with %q, want it to say %q", tc.url, err, tc.refused)
		}
	}
}

func TestListedPrefixes(t *testing.T) {
	l, err := Parse([]string{
		"https://prometheus.example.com/tenant-a/",
		"http://10.0.0.7:9090",
		"*.monitoring.svc:9090",
		"http://[fd00::7]",
		"https://thanos.example.com:443",
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		url     string
		allowed bool
	}{
		{"https://prometheus.example.com/tenant-a", true},
		{"https://prometheus.example.com/tenant-a/api", true},
		{"https://prometheus.example.com/tenant-ab", false},
		{"https://prometheus.example.com/", false},
		{"https://prometheus.example.com/tenant-a/../tenant-b", false},
		{"http://prometheus.example.com/tenant-a", false},
		{"https://prometheus.example.com:8443/tenant-a", true},
		{"http://10.0.0.7:9090", true},
		{"http://10.0.0.7:9091", false},
		{"http://10.0.0.7", false},
		{"https://10.0.0.7:9090", false},
		{"http://prom.monitoring.svc:9090", true},
		{"https://prom.monitoring.svc:9090/x", true},
		{"http://prom.monitoring.svc:9091", false},
		{"http://prom.other.svc:9090", false},
		{"http://[fd00::7]:1234", true},
		{"http://[fd00::8]", false},
		{"https://thanos.example.com", true},
		{"https://thanos.example.com:443", true},
		{"https://thanos.example.com:8443", false},
	}
	for _, tc := range cases {
		if err := l.Check(tc.url); (err == nil) != tc.allowed {
			t.Errorf("%q: allowed %v (%v), want %v", tc.url, err == nil, err, tc.allowed)
		}
	}
}

func TestEmptyListAllowsNothing(t *testing.T) {
	l, err := Parse([]string{"", " "})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Check("http://prometheus.monitoring.svc:9090"); err == nil || !strings.Contains(err.Error(), "(none)") {
		t.Errorf("empty list: %v, want a refusal listing (none)", err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, e := range []string{
		"ftp://prometheus.example.com",
		"http://user@prometheus.example.com",
		"http://prometheus.example.com?x=1",
		"http://*",
		"*.",
		"http://prom_1.example.com",
		"http://prometheus.example.com:99999",
		"http://prometheus.example.com/a/../b",
		"http://169.254.169.254",
		"http://%70rometheus.example.com",
	} {
		if _, err := Parse([]string{e}); err == nil {
			t.Errorf("%q accepted as an allowed URL", e)
		}
	}
}
