package framework

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/prometheus/common/model"
	"sigs.k8s.io/yaml"
)

// The Prometheus Operator objects the repository ships for the server pods and the
// operator (config/prometheus). The end-to-end suite has no Prometheus Operator, so
// ScrapeConfig translates them into the scrape configuration the Prometheus Operator
// would generate from them, and a real Prometheus runs that.
const (
	podMonitorFile     = "config/prometheus/podmonitor.yaml"
	serviceMonitorFile = "config/prometheus/monitor.yaml"
)

// monitor is the part of a PodMonitor or ServiceMonitor the translation reads.
type monitor struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		PodMetricsEndpoints []monitorEndpoint `json:"podMetricsEndpoints"`
		Endpoints           []monitorEndpoint `json:"endpoints"`
	} `json:"spec"`
}

type monitorEndpoint struct {
	Port        string `json:"port"`
	Path        string `json:"path"`
	Scheme      string `json:"scheme"`
	HonorLabels bool   `json:"honorLabels"`
	TLSConfig   *struct {
		InsecureSkipVerify bool `json:"insecureSkipVerify"`
	} `json:"tlsConfig"`
	Relabelings []relabeling `json:"relabelings"`
}

// relabeling is a monitor's RelabelConfig; its JSON names are the Prometheus
// Operator's, its YAML (relabelRule) Prometheus'.
type relabeling struct {
	Action       string   `json:"action,omitempty"`
	SourceLabels []string `json:"sourceLabels,omitempty"`
	Separator    *string  `json:"separator,omitempty"`
	TargetLabel  string   `json:"targetLabel,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Replacement  *string  `json:"replacement,omitempty"`
}

// relabelRule is one entry of a Prometheus relabel_configs list.
type relabelRule struct {
	Action       string   `json:"action,omitempty"`
	SourceLabels []string `json:"source_labels,omitempty"`
	Separator    *string  `json:"separator,omitempty"`
	TargetLabel  string   `json:"target_label,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Replacement  *string  `json:"replacement,omitempty"`
}

func (r relabeling) rule() relabelRule { return relabelRule(r) }

// ScrapeOptions say what the Prometheus of a test scrapes and how often.
type ScrapeOptions struct {
	// Root is the repository (its config/prometheus is translated).
	Root string
	// Namespace is where the server pods are discovered (the PodMonitor's
	// namespaceSelector is any; a test looks at its own namespace only).
	Namespace string
	// Kubeconfig is the file Prometheus' Kubernetes service discovery authenticates
	// with: a ServiceAccount allowed to list and watch pods in Namespace.
	Kubeconfig string
	// OperatorAddress is host:port of the operator's /metrics, a local process outside
	// the cluster, and TokenFile the bearer token Prometheus sends it (the
	// ServiceMonitor's bearerTokenFile is the in-cluster path of the same thing).
	OperatorAddress, TokenFile string
	// Interval replaces the monitors' scrape intervals: the shipped 15s and 30s would
	// make a test wait minutes for a few samples.
	Interval time.Duration
	// Self adds a job scraping Prometheus itself at this address (host:port).
	Self string
}

// ScrapeConfig is a prometheus.yml holding the repository's PodMonitor as Kubernetes
// pod discovery with the relabelling the Prometheus Operator generates for it, and the
// ServiceMonitor's endpoint as a static target: the operator runs as a local process,
// so there is no Service or pod of it to discover.
func ScrapeConfig(o ScrapeOptions) (string, error) {
	pods, err := readMonitor(filepath.Join(o.Root, podMonitorFile))
	if err != nil {
		return "", err
	}
	svc, err := readMonitor(filepath.Join(o.Root, serviceMonitorFile))
	if err != nil {
		return "", err
	}
	if len(pods.Spec.PodMetricsEndpoints) != 1 || len(svc.Spec.Endpoints) != 1 {
		return "", fmt.Errorf("%s and %s are expected to have one endpoint each", podMonitorFile, serviceMonitorFile)
	}
	interval := model.Duration(o.Interval).String()
	jobs := []map[string]any{podMonitorJob(pods, o.Namespace, o.Kubeconfig), serviceMonitorJob(svc, o.OperatorAddress, o.TokenFile)}
	if o.Self != "" {
		jobs = append(jobs, map[string]any{"job_name": "prometheus", "static_configs": []any{map[string]any{"targets": []string{o.Self}}}})
	}
	cfg := map[string]any{
		"global": map[string]any{
			"scrape_interval":     interval,
			"scrape_timeout":      interval,
			"evaluation_interval": interval,
		},
		"scrape_configs": jobs,
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func readMonitor(path string) (monitor, error) {
	var m monitor
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// labelNameChars are the characters Kubernetes label names may hold that Prometheus
// label names may not; service discovery writes them as underscores.
var labelNameChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// podMonitorJob is the job the Prometheus Operator makes of a PodMonitor's endpoint:
// keep the running pods carrying the selector's labels and the named container port,
// label the series with the pod's namespace, name and container, the job with the
// PodMonitor's namespace and name and endpoint with the port, then apply the
// PodMonitor's own relabelings.
func podMonitorJob(m monitor, namespace, kubeconfig string) map[string]any {
	ep := m.Spec.PodMetricsEndpoints[0]
	rules := []relabelRule{{Action: "drop", SourceLabels: []string{"__meta_kubernetes_pod_phase"}, Regex: "(Failed|Succeeded)"}}
	for k, v := range m.Spec.Selector.MatchLabels {
		l := labelNameChars.ReplaceAllString(k, "_")
		rules = append(rules, relabelRule{Action: "keep",
			SourceLabels: []string{"__meta_kubernetes_pod_label_" + l, "__meta_kubernetes_pod_labelpresent_" + l},
			Regex:        "(" + regexp.QuoteMeta(v) + ");true"})
	}
	job, endpoint := namespace+"/"+m.Metadata.Name, ep.Port
	rules = append(rules,
		relabelRule{Action: "keep", SourceLabels: []string{"__meta_kubernetes_pod_container_port_name"}, Regex: ep.Port},
		relabelRule{Action: "replace", SourceLabels: []string{"__meta_kubernetes_namespace"}, TargetLabel: "namespace"},
		relabelRule{Action: "replace", SourceLabels: []string{"__meta_kubernetes_pod_container_name"}, TargetLabel: "container"},
		relabelRule{Action: "replace", SourceLabels: []string{"__meta_kubernetes_pod_name"}, TargetLabel: "pod"},
		relabelRule{Action: "replace", TargetLabel: "job", Replacement: &job},
		relabelRule{Action: "replace", TargetLabel: "endpoint", Replacement: &endpoint},
	)
	for _, r := range ep.Relabelings {
		rules = append(rules, r.rule())
	}
	return map[string]any{
		"job_name":     "podMonitor/" + job + "/0",
		"metrics_path": ep.Path,
		"honor_labels": ep.HonorLabels,
		"kubernetes_sd_configs": []any{map[string]any{
			"role":            "pod",
			"kubeconfig_file": kubeconfig,
			"namespaces":      map[string]any{"names": []string{namespace}},
		}},
		"relabel_configs": rules,
	}
}

// serviceMonitorJob is the ServiceMonitor's endpoint — scheme, path, honorLabels, TLS
// settings, bearer token and relabelings — scraping one static target.
func serviceMonitorJob(m monitor, target, tokenFile string) map[string]any {
	ep := m.Spec.Endpoints[0]
	rules := make([]relabelRule, 0, len(ep.Relabelings))
	for _, r := range ep.Relabelings {
		rules = append(rules, r.rule())
	}
	job := map[string]any{
		"job_name":        "serviceMonitor/" + m.Metadata.Name + "/0",
		"metrics_path":    ep.Path,
		"scheme":          ep.Scheme,
		"honor_labels":    ep.HonorLabels,
		"static_configs":  []any{map[string]any{"targets": []string{target}}},
		"relabel_configs": rules,
		"authorization":   map[string]any{"type": "Bearer", "credentials_file": tokenFile},
	}
	if ep.TLSConfig != nil {
		job["tls_config"] = map[string]any{"insecure_skip_verify": ep.TLSConfig.InsecureSkipVerify}
	}
	return job
}
