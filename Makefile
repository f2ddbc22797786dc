# InterviewAPI: the API server, its operator and their packaging.
# `make help` lists the targets. Everything a target needs is built into bin/ by the
# project itself from the Go module proxy (see hack/tools/).

GO ?= go
# The Go release that builds, vets and tests the project's own code. This machine's Go
# (1.26.8) carries standard-library vulnerabilities that govulncheck reports in our
# binaries (fixed in go1.26.10 and go1.27.3), so the go command fetches go1.27.3 from the
# Go module proxy once (about 76 MB) and runs it for every target here. The pinned tools
# under hack/tools are other projects' programs that only tests and the local cluster
# use: they are built with the machine's own Go ($(TOOLS_GO)), and so are run the two that
# load our packages with their own type checker (controller-gen, golangci-lint).
# govulncheck is the exception: it must type-check our code as go1.27.3 compiles it (a
# dependency has go1.27-only files), so it is built with go1.27.3.
PROJECT_GOTOOLCHAIN ?= go1.27.3
export GOTOOLCHAIN := $(PROJECT_GOTOOLCHAIN)
TOOLS_GO := GOTOOLCHAIN=local $(GO)
# The project's release named on a command line, for govulncheck's build: tool rules
# run their commands from hack/toolcache, itself run by $(TOOLS_GO).
PROJECT_GO := GOTOOLCHAIN=$(PROJECT_GOTOOLCHAIN) $(GO)
BIN := $(CURDIR)/bin
K8S_BIN := $(BIN)/k8s
CONTROLLER_GEN := $(BIN)/controller-gen
HELM := $(BIN)/helm
PROMETHEUS_TOOLS := $(BIN)/prometheus $(BIN)/promtool
GOLANGCI_LINT := $(BIN)/golangci-lint
GOVULNCHECK := $(BIN)/govulncheck
# The Go vulnerability database, built offline from the pinned golang.org/x/vulndb.
VULNDB := $(BIN)/vulndb
KUBECTL := $(K8S_BIN)/kubectl
# envtest and the local cluster read the Kubernetes binaries from here.
export KUBEBUILDER_ASSETS := $(K8S_BIN)

# Version stamped into the binaries' --version.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# How long each fuzz target runs inside `make test`; longer runs: make fuzz FUZZTIME=5m
FUZZTIME ?= 5s
# End-to-end tests run in `make test` unless SKIP_E2E=1 is set explicitly.
SKIP_E2E ?=
# Where `make bench-modes` writes the server's pprof profiles (ignored by git).
BENCH_PROFILES ?= .bench-profiles

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

# The local cluster's node for the end-to-end tests and the demo: auto (the default: the
# real node when this machine can run it, else the process node), real or process
# (docs/localcluster.md). The real node runs the images, so they are rebuilt first: for
# real, and for auto as root (without root auto always takes the process node).
E2E_NODE ?= auto
export E2E_NODE
DEMO_NODE ?= auto
node_images = $(if $(filter real,$(1)),images,$(if $(filter auto,$(1)),$(if $(filter 0,$(shell id -u)),images)))

.PHONY: demo
demo: tools build $(call node_images,$(DEMO_NODE)) ## The whole product on this machine: local cluster, operator, rollout, rollback (DEMO_EXIT=1 exits at the end; DEMO_NODE=real|process|auto).
	$(GO) run ./hack/demo --node $(DEMO_NODE)

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate the CRD and RBAC manifests under config/ from the API markers.
	GOTOOLCHAIN=local $(CONTROLLER_GEN) rbac:roleName=manager-role crd:allowDangerousTypes=false paths="./api/..." paths="./controllers/..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	GOTOOLCHAIN=local $(CONTROLLER_GEN) rbac:roleName=metrics-auth-role paths="./cmd/interviewapi-operator/..." output:rbac:stdout > config/rbac/metrics_auth_role.yaml
	$(GO) run ./hack/chartsync
	$(GO) run ./hack/gendocs

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate DeepCopy methods for the API types.
	GOTOOLCHAIN=local $(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run go fmt.
	$(GO) fmt ./...

.PHONY: vet
vet: ## Run go vet.
	$(GO) vet ./...

.PHONY: tidy-check
tidy-check: ## Fail when go.mod or go.sum is not what `go mod tidy` makes of them.
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result" >&2; exit 1; }

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (.golangci.yml).
	GOTOOLCHAIN=local $(GOLANGCI_LINT) run ./...

.PHONY: vulncheck
vulncheck: $(GOVULNCHECK) $(VULNDB)/index/db.json ## Run govulncheck offline against the database of the pinned golang.org/x/vulndb.
	$(GOVULNCHECK) -db file://$(VULNDB) ./...

.PHONY: test
test: tools manifests generate fmt vet tidy-check lint vulncheck ## Run every test: the gates (generated files, gofmt, vet, go.mod tidy, golangci-lint, govulncheck), unit, PostgreSQL, envtest, fuzz smoke runs and (unless SKIP_E2E=1) end-to-end.
	@$(MAKE) --no-print-directory test-packages
	@$(MAKE) --no-print-directory fuzz
	@if [ "$(SKIP_E2E)" = 1 ]; then echo "SKIP_E2E=1: end-to-end tests not run"; elif [ -d test/e2e ]; then $(MAKE) --no-print-directory test-e2e; fi

# Tests of one package at once (t.Parallel): the envtest scenarios of controllers/ wait
# on their API servers and clocks, not on the CPU (docs/benchmarks.md, "CI").
TEST_PARALLEL ?= 4

.PHONY: test-packages
test-packages: ## Run every Go test package: unit, PostgreSQL (hack/postgres.sh), envtest, the crash tests, real Prometheus.
	hack/postgres.sh run $(GO) test -count=1 -parallel $(TEST_PARALLEL) -timeout 20m ./...

.PHONY: fuzz
fuzz: ## Run every Go fuzz target for FUZZTIME each (targets are found in *_test.go; hack/fuzz-one.sh).
	@grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do \
	  pkg=./$$(dirname "$${f#./}"); \
	  for fn in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' "$$f" | cut -d' ' -f2); do \
	    echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
	    GO=$(GO) hack/fuzz-one.sh "$$pkg" "$$fn" $(FUZZTIME) || exit 1; \
	  done; \
	done

.PHONY: test-e2e
test-e2e: tools build $(call node_images,$(E2E_NODE)) ## Run the end-to-end tests on the local cluster (real pods, Postgres, load; helm install; E2E_NODE=real|process|auto).
	$(GO) test -count=1 -p 1 -timeout 30m -tags e2e -v ./test/e2e/... ./test/helminstall/...

.PHONY: chart-sync
chart-sync: ## Copy the CRD, generated RBAC, dashboards and alert rules into the charts and regenerate their schemas.
	$(GO) run ./hack/chartsync

.PHONY: docs
docs: ## Regenerate docs/configuration.md from the CRD and the charts' values schemas.
	$(GO) run ./hack/gendocs

.PHONY: helm-lint
helm-lint: $(HELM) ## Lint both charts strictly, with default values and with every optional part on.
	$(HELM) lint --strict charts/interviewapi-operator
	$(HELM) lint --strict charts/interviewapi-operator -f test/chart/testdata/all-on.yaml
	$(HELM) lint --strict charts/interviewapi

.PHONY: seed
seed: ## Regenerate the question-bank seed migration from hack/genseed (commit both).
	$(GO) run ./hack/genseed

##@ Build

.PHONY: build
build: ## Build the server, the operator, the kubectl plugin, the local cluster and the load generator into bin/.
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/... ./hack/localcluster ./hack/loadgen

.PHONY: run
run: manifests generate ## Run the operator against the cluster of the current kubeconfig.
	$(GO) run ./cmd/interviewapi-operator

.PHONY: images
images: ## Build the server and operator images as OCI tarballs in bin/images/ (no Docker needed).
	$(GO) run ./hack/images -out $(BIN)/images -version $(VERSION)

.PHONY: localcluster
localcluster: tools build ## Run the local cluster (Kubernetes on loopback, pods as local processes) until Ctrl-C.
	$(BIN)/localcluster --dir .localcluster --crd config/crd/bases

##@ Benchmarks

.PHONY: bench-modes
bench-modes: ## Benchmark the server's sync vs async engines: mixed, read, each endpoint, pgbench, the generator-latency sweep (about 9 min) and rewrite their section of docs/benchmarks.md.
	$(GO) run ./hack/benchmodes --profile $(BENCH_PROFILES) $(BENCH_ARGS)

.PHONY: bench-scale
bench-scale: tools ## Measure the operator over 100/300/1,000 instances and 100 rollouts at once in envtest (about 12 min) and rewrite its section of docs/benchmarks.md.
	$(GO) run ./hack/benchscale $(BENCH_ARGS)

.PHONY: bench-judge
bench-judge: tools build ## Run the canary judges' scenario corpus on the local cluster, Compare and Threshold side by side (about 35 min), and rewrite its section of docs/benchmarks.md.
	$(GO) run ./hack/benchjudge $(BENCH_ARGS)

.PHONY: bench-rollback
bench-rollback: tools ## Measure rollback latency in envtest (docs/benchmarks.md, "Rollback latency").
	$(GO) test -count=1 -run '^$$' -bench BenchmarkRollbackLatency -benchtime 20x ./controllers/

.PHONY: bench-drain
bench-drain: ## Measure the requests keep-alive clients lose when a server stops, with and without its drain (about 2 min; docs/benchmarks.md, "Shutdown drain").
	hack/postgres.sh run $(GO) test -count=1 -run '^$$' -bench BenchmarkShutdownUnderLoad -benchtime 20x ./internal/app/

##@ Deployment

.PHONY: install
install: manifests ## Install the CRD into the cluster of the current kubeconfig.
	$(KUBECTL) apply -k config/crd

.PHONY: deploy
deploy: manifests ## Deploy the operator (CRD, RBAC, manager) with kustomize to the current cluster.
	$(KUBECTL) apply -k config/default

##@ Tools

K8S_TOOLS := $(K8S_BIN)/kube-apiserver $(K8S_BIN)/kube-controller-manager $(K8S_BIN)/kubectl
# The real node of the local cluster (see docs/localcluster.md): kubelet, kube-proxy
# and kube-scheduler from the same pinned module, containerd with its runc shim and ctr.
NODE_K8S_TOOLS := $(K8S_BIN)/kubelet $(K8S_BIN)/kube-proxy $(K8S_BIN)/kube-scheduler
CONTAINERD_BIN := $(BIN)/containerd
CONTAINERD_TOOLS := $(CONTAINERD_BIN)/containerd $(CONTAINERD_BIN)/containerd-shim-runc-v2 $(CONTAINERD_BIN)/ctr

.PHONY: tools
tools: $(K8S_TOOLS) $(K8S_BIN)/etcd $(HELM) $(CONTROLLER_GEN) $(PROMETHEUS_TOOLS) $(GOLANGCI_LINT) $(GOVULNCHECK) $(VULNDB)/index/db.json node-tools ## Build kube-apiserver, etcd, kube-controller-manager, kubectl, helm, controller-gen, prometheus, promtool, golangci-lint, govulncheck and its database, and the real node's programs into bin/ (once per pinned version; from the cache of built tools, TOOLS_CACHE, when it holds them).

.PHONY: node-tools
node-tools: $(NODE_K8S_TOOLS) $(CONTAINERD_TOOLS) ## Build kubelet, kube-proxy, kube-scheduler and containerd for the real node; install its Debian packages when root (hack/node-packages.sh).
	@hack/node-packages.sh

# Every rule below builds through hack/toolcache: a per-user cache of the built tools
# outside the repository (README.md, "Build the Kubernetes tools"), so that a fresh
# clone with an empty bin/ links nothing again. The rules' prerequisites and outputs
# are as without it: a rule runs when a tool's go.mod or go.sum changes, and builds
# only if the cache has no entry for its key (the inputs, the command line and
# `go env` of its Go).
TOOLS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/interviewapi-operator/tools
# $(call tool_cache,NAME,MODULE,GO,DEST[,MORE FLAGS]) COMMAND: COMMAND, run in
# hack/tools/MODULE by GO, writes into {out}; the entry's files are installed into DEST.
tool_cache = $(TOOLS_GO) run ./hack/toolcache -cache '$(TOOLS_CACHE)' -name $(1) -dir hack/tools/$(2) -in go.mod -in go.sum $(5) -go '$(3)' -dest $(4) --

.PHONY: clean-tools-cache
clean-tools-cache: ## Remove the cache of built tools (TOOLS_CACHE; bin/ stays as it is).
	@$(TOOLS_GO) run ./hack/toolcache -cache '$(TOOLS_CACHE)' -clean

# The binaries are rebuilt only when the pinned versions (the tools' go.mod) change.
$(K8S_TOOLS) &: hack/tools/kubernetes/go.mod hack/tools/kubernetes/go.sum
	@$(call tool_cache,k8s-control-plane,kubernetes,$(TOOLS_GO),$(K8S_BIN)) \
	  env $(TOOLS_GO) build -o {out}/ k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl

$(K8S_BIN)/etcd: hack/tools/etcd/go.mod hack/tools/etcd/go.sum
	@$(call tool_cache,etcd,etcd,$(TOOLS_GO),$(K8S_BIN)) \
	  env $(TOOLS_GO) build -o {out}/etcd go.etcd.io/etcd/server/v3

$(HELM): hack/tools/helm/go.mod hack/tools/helm/go.sum
	@$(call tool_cache,helm,helm,$(TOOLS_GO),$(BIN)) \
	  env $(TOOLS_GO) build -o {out}/helm helm.sh/helm/v3/cmd/helm

$(CONTROLLER_GEN): hack/tools/controller-tools/go.mod hack/tools/controller-tools/go.sum
	@$(call tool_cache,controller-gen,controller-tools,$(TOOLS_GO),$(BIN)) \
	  env $(TOOLS_GO) build -o {out}/controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen

# Service discovery other than static, file, HTTP and Kubernetes is left out: each
# other SD plugin brings a cloud SDK to compile. Kubernetes SD is what the end-to-end
# suite's Prometheus finds the server pods with (test/e2e/prometheus_test.go). The tags
# are in hack/tools/prometheus/build-tags, so that changing them rebuilds the tools.
PROMETHEUS_VERSION = $(shell awk '/^require github.com\/prometheus\/prometheus/{print $$3}' hack/tools/prometheus/go.mod)
PROMETHEUS_TAGS = $(shell cat hack/tools/prometheus/build-tags)

$(PROMETHEUS_TOOLS) &: hack/tools/prometheus/go.mod hack/tools/prometheus/go.sum hack/tools/prometheus/build-tags
	@$(call tool_cache,prometheus,prometheus,$(TOOLS_GO),$(BIN),-in build-tags) \
	  env $(TOOLS_GO) build -tags "$(PROMETHEUS_TAGS)" -ldflags "-X github.com/prometheus/common/version.Version=$(PROMETHEUS_VERSION)" -o {out}/ github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool

# kubelet, kube-proxy and kube-scheduler report the pinned version (in --version, the
# Node's status and /version) instead of v0.0.0-master.
K8S_VERSION = $(shell awk '/^require k8s.io\/kubernetes/{print $$3}' hack/tools/kubernetes/go.mod)
K8S_VERSION_PKG := k8s.io/component-base/version
K8S_LDFLAGS = -X $(K8S_VERSION_PKG).gitVersion=$(K8S_VERSION) \
	-X $(K8S_VERSION_PKG).gitMajor=$(word 1,$(subst ., ,$(patsubst v%,%,$(K8S_VERSION)))) \
	-X $(K8S_VERSION_PKG).gitMinor=$(word 2,$(subst ., ,$(K8S_VERSION))) \
	-X $(K8S_VERSION_PKG).gitCommit= -X $(K8S_VERSION_PKG).gitTreeState=clean

$(NODE_K8S_TOOLS) &: hack/tools/kubernetes/go.mod hack/tools/kubernetes/go.sum
	@$(call tool_cache,k8s-node,kubernetes,$(TOOLS_GO),$(K8S_BIN)) \
	  env $(TOOLS_GO) build -ldflags "$(K8S_LDFLAGS)" -o {out}/ k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kube-scheduler

# containerd without cgo and without the snapshotters the node does not use (it runs
# overlayfs), as its own build tags allow; runc comes from Debian (hack/node-packages.sh).
CONTAINERD_VERSION = $(shell awk '/^require github.com\/containerd\/containerd\/v2/{print $$3}' hack/tools/containerd/go.mod)
CONTAINERD_LDFLAGS = -X github.com/containerd/containerd/v2/version.Version=$(CONTAINERD_VERSION)

$(CONTAINERD_TOOLS) &: hack/tools/containerd/go.mod hack/tools/containerd/go.sum
	@$(call tool_cache,containerd,containerd,$(TOOLS_GO),$(CONTAINERD_BIN)) \
	  env CGO_ENABLED=0 $(TOOLS_GO) build -tags "no_btrfs no_devmapper no_zfs no_aufs" -ldflags "$(CONTAINERD_LDFLAGS)" -o {out}/ github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 github.com/containerd/containerd/v2/cmd/ctr

$(GOLANGCI_LINT): hack/tools/golangci-lint/go.mod hack/tools/golangci-lint/go.sum
	@$(call tool_cache,golangci-lint,golangci-lint,$(TOOLS_GO),$(BIN)) \
	  env $(TOOLS_GO) build -o {out}/golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint

# govulncheck is built by the project's Go release (see the top of this file).
$(GOVULNCHECK): hack/tools/vuln/go.mod hack/tools/vuln/go.sum
	@$(call tool_cache,govulncheck,vuln,$(PROJECT_GO),$(BIN)) \
	  env $(PROJECT_GO) build -o {out}/govulncheck golang.org/x/vuln/cmd/govulncheck

# No network database needed: the vulndb module carries every report as an OSV file
# (data/osv), and its indexdb command writes the layout `govulncheck -db file://` reads.
$(VULNDB)/index/db.json: hack/tools/vuln/go.mod hack/tools/vuln/go.sum
	rm -rf $(VULNDB)
	@$(call tool_cache,vulndb,vuln,$(TOOLS_GO),$(VULNDB)) \
	  sh -c '$(TOOLS_GO) run golang.org/x/vulndb/cmd/indexdb -vulns "$$($(TOOLS_GO) list -m -f "{{.Dir}}" golang.org/x/vulndb)/data/osv" -out "$$1"' sh {out}
