// Command chartsync keeps the Helm charts in step with the manifests they are made from.
//
// Files in a chart cannot reach outside the chart's folder, so the chart carries copies
// of what is generated or maintained under config/: the CRDs (controller-gen), the
// operator's ClusterRole (controller-gen, from the RBAC markers), the Grafana dashboards
// and the Prometheus alert rules. chartsync writes those copies, removes copies whose
// source is gone, and derives the instance chart's values schema from the CRD. With
// -check it writes nothing and fails when a copy is stale, which is how tests and CI
// notice a forgotten `make chart-sync`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := flag.String("root", ".", "repository root")
	check := flag.Bool("check", false, "report stale chart files instead of writing them")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "chartsync:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	want, err := desired(root)
	if err != nil {
		return err
	}
	changes, err := plan(root, want)
	if err != nil {
		return err
	}
	if check {
		if len(changes) == 0 {
			return nil
		}
		for _, c := range changes {
			fmt.Fprintln(os.Stderr, c)
		}
		return fmt.Errorf("%d chart file(s) out of date: run `make chart-sync` and commit the result", len(changes))
	}
	for _, c := range changes {
		if err := c.apply(root); err != nil {
			return err
		}
		fmt.Println(c)
	}
	return nil
}

// rel joins slash-separated repository paths for the local file system.
func rel(root, path string) string { return filepath.Join(root, filepath.FromSlash(path)) }
