// Command localcluster runs a Kubernetes cluster on this machine, on loopback only, in
// which pods really run: etcd, kube-apiserver and kube-controller-manager, one node
// whose agent runs each pod's containers as local processes (images map to binaries
// in bin/), a service proxy, and a throwaway PostgreSQL with its Secret. It keeps the
// cluster up until Ctrl-C or SIGTERM, then stops everything it started.
//
//	go run ./hack/localcluster [flags]
//	go run ./hack/localcluster service-addr [--dir DIR] NAMESPACE/NAME:PORT
//
// See test/localcluster for what the node does and how it differs from a real one.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/interviewapi/operator/test/localcluster"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "service-addr" {
		return serviceAddr(args[1:], stdout)
	}
	return up(args, stdout, stderr)
}

// repeated collects a flag given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func up(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("localcluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts localcluster.Options
	var images, crds, tags, archives repeated
	var verbose bool
	var node string
	fs.StringVar(&opts.Dir, "dir", "", "folder for the cluster's files, emptied of an earlier cluster's files (default: .localcluster in the repository)")
	fs.StringVar(&opts.BinDir, "bin-dir", "", "folder of the binaries images map to (default: bin in the repository)")
	fs.Var(&images, "image", "REPOSITORY=BINARY: run BINARY for images of REPOSITORY (full or last path element; repeatable)")
	fs.Var(&crds, "crd", "CRD manifest file or folder to install (repeatable), e.g. config/crd/bases")
	fs.BoolVar(&opts.NoDatabase, "no-database", false, "do not start PostgreSQL")
	fs.StringVar(&node, "node", "auto", "the node: real (kubelet, containerd, kube-proxy; root), process (pods as local processes) or auto (real when this machine can run it)")
	fs.Var(&archives, "image-archive", "image archive the real node imports (repeatable; default: bin/images/*.tar)")
	fs.Var(&tags, "image-tag", "TAG: also tag every image the real node imports TAG (repeatable)")
	fs.BoolVar(&verbose, "v", false, "copy the cluster's log (pods starting and stopping, service backends) to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	opts.Images = map[string]string{}
	for _, m := range images {
		repo, bin, ok := strings.Cut(m, "=")
		if !ok || repo == "" || bin == "" {
			return fmt.Errorf("--image %q: want REPOSITORY=BINARY", m)
		}
		opts.Images[repo] = bin
	}
	opts.CRDPaths = crds
	opts.ImageTags = tags
	if len(archives) > 0 {
		opts.ImageArchives = archives
	}
	var err error
	if opts.Node, err = localcluster.ParseNodeKind(node); err != nil {
		return err
	}
	if verbose {
		opts.Log = stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "localcluster: starting (node %s)\n", opts.Node)
	cluster, err := localcluster.Start(ctx, opts)
	if err != nil {
		return err
	}
	printSummary(stdout, cluster)
	<-ctx.Done()
	stop()
	fmt.Fprintln(stdout, "localcluster: stopping")
	begin := time.Now()
	if err := cluster.Stop(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "localcluster: stopped in %s\n", time.Since(begin).Round(time.Millisecond))
	return nil
}

func printSummary(w io.Writer, c *localcluster.Cluster) {
	logs := filepath.Join(c.Dir, "logs")
	fmt.Fprintf(w, "localcluster: ready in %s (API server ready after %s)\n",
		c.Times.Ready.Round(time.Millisecond), c.Times.APIServerReady.Round(time.Millisecond))
	fmt.Fprintf(w, "  API server   %s\n", c.APIServerURL)
	fmt.Fprintf(w, "  kubeconfig   %s\n", c.Kubeconfig)
	fmt.Fprintf(w, "               bin/k8s/kubectl --kubeconfig %s get pods -A\n", c.Kubeconfig)
	fmt.Fprintf(w, "               . %s   (exports KUBECONFIG, LOCALCLUSTER_DIR, LOCALCLUSTER_DATABASE_URL)\n", filepath.Join(c.Dir, "env"))
	fmt.Fprintf(w, "  node         %s, %s node (%s)\n", c.NodeName, c.Node, c.NodeReason)
	fmt.Fprintf(w, "               pods get addresses %s; their output goes to %s/pods/NAMESPACE/POD/CONTAINER.log\n",
		c.PodAddresses, c.Dir)
	if c.Node == localcluster.NodeProcess {
		var mapped []string
		for repo, bin := range c.Images {
			mapped = append(mapped, repo+" → "+bin)
		}
		slices.Sort(mapped)
		fmt.Fprintf(w, "  images       %s\n", strings.Join(mapped, "; "))
	}
	fmt.Fprintf(w, "  services     %s maps NAMESPACE/NAME:PORT to a local address; or: go run ./hack/localcluster service-addr --dir %s NAMESPACE/NAME:PORT\n",
		filepath.Join(c.Dir, "services.json"), c.Dir)
	if c.DatabaseURL != "" {
		fmt.Fprintf(w, "  database     %s (Secret default/%s, key %s)\n", c.DatabaseURL, localcluster.DatabaseSecret, localcluster.DatabaseSecretKey)
	}
	fmt.Fprintf(w, "  logs         %s (the control plane's, the node's programs', localcluster)\n", logs)
	fmt.Fprintln(w, "Ctrl-C stops the cluster and everything it started.")
}

// serviceAddr prints the local address of a Service port from DIR/services.json.
func serviceAddr(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("localcluster service-addr", flag.ContinueOnError)
	dir := fs.String("dir", ".localcluster", "the cluster's folder")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: localcluster service-addr [--dir DIR] NAMESPACE/NAME:PORT")
	}
	data, err := os.ReadFile(filepath.Join(*dir, "services.json"))
	if err != nil {
		return fmt.Errorf("read the service map (is the cluster running?): %w", err)
	}
	var mapping map[string]string
	if err := json.Unmarshal(data, &mapping); err != nil {
		return fmt.Errorf("parse %s: %w", filepath.Join(*dir, "services.json"), err)
	}
	addr, ok := mapping[fs.Arg(0)]
	if !ok {
		return fmt.Errorf("%s is not proxied; known: %s", fs.Arg(0), strings.Join(slices.Sorted(maps.Keys(mapping)), ", "))
	}
	fmt.Fprintln(stdout, addr)
	return nil
}
