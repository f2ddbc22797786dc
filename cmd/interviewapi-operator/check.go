package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// checkOptions are the flags of `interviewapi-operator check`, the command the Helm
// chart's test hook runs: it proves that the CRD is served and the operator is ready,
// using only the operator's own image.
type checkOptions struct {
	readyURL string
	timeout  time.Duration
	interval time.Duration
}

// runCheck retries both checks until they pass or the timeout ends; it prints one line
// per passed check, or the last failure.
func runCheck(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o checkOptions
	fs.StringVar(&o.readyURL, "ready-url", "", "URL of the operator's readiness endpoint, e.g. http://SERVICE:8081/readyz (required)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "How long to retry before failing.")
	fs.DurationVar(&o.interval, "interval", 2*time.Second, "Time between tries.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.readyURL == "" {
		return errors.New("check: --ready-url is required")
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("check: find the cluster: %w", err)
	}
	return check(ctx, cfg, o, stdout)
}

func check(ctx context.Context, cfg *rest.Config, o checkOptions, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	httpClient := &http.Client{Timeout: 5 * time.Second}
	checks := []struct {
		name string
		run  func(context.Context) error
	}{
		{"CRD served", func(context.Context) error { return crdServed(dc) }},
		{"operator ready", func(ctx context.Context) error { return endpointOK(ctx, httpClient, o.readyURL) }},
	}
	for _, c := range checks {
		if err := retry(ctx, o.interval, c.run); err != nil {
			return fmt.Errorf("check %s: %w", c.name, err)
		}
		fmt.Fprintf(stdout, "ok: %s\n", c.name)
	}
	return nil
}

// retry calls fn until it succeeds or ctx ends, and returns fn's last error.
func retry(ctx context.Context, interval time.Duration, fn func(context.Context) error) error {
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(interval):
		}
	}
}

func crdServed(dc discovery.DiscoveryInterface) error {
	resources, err := dc.ServerResourcesForGroupVersion(iapiv1alpha1.GroupVersion.String())
	if err != nil {
		return fmt.Errorf("discover %s: %w", iapiv1alpha1.GroupVersion, err)
	}
	for _, r := range resources.APIResources {
		if r.Name == "interviewapis" {
			return nil
		}
	}
	return fmt.Errorf("%s does not serve interviewapis", iapiv1alpha1.GroupVersion)
}

func endpointOK(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
