package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/interviewapi/operator/hack/benchdoc"
)

var docSection = benchdoc.Section{
	Heading: "## Operator at scale",
	Start:   "<!-- bench-scale:start -->",
	End:     "<!-- bench-scale:end -->",
}

// Goals of the issue, checked against the largest run.
const (
	goalHealthy   = 60 * time.Second
	goalSteadyRSS = 150 << 10 // KiB
)

// results are the whole run.
type results struct {
	Started      time.Time
	Machine      string
	Replicas     int
	Steady       time.Duration
	Interval     time.Duration
	OperatorArgs string
	Runs         []runResult
}

func writeReport(path string, r results) error {
	section := renderSection(r)
	if path == "-" {
		_, err := fmt.Print(section)
		return err
	}
	return docSection.Update(path, section)
}

// writes sums the write requests of counts; lease writes are counted apart.
func writes(counts map[string]int) (reconciler, lease int) {
	for k, v := range counts {
		if !isWrite(k) {
			continue
		}
		if strings.HasPrefix(k, "lease ") {
			lease += v
		} else {
			reconciler += v
		}
	}
	return reconciler, lease
}

func formatCounts(counts map[string]int, per time.Duration) string {
	if len(counts) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		if per > 0 {
			parts = append(parts, fmt.Sprintf("%s %.1f", k, float64(counts[k])/per.Minutes()))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
		}
	}
	return strings.Join(parts, ", ")
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func ms(seconds float64) string {
	if math.IsNaN(seconds) {
		return "–"
	}
	return fmt.Sprintf("%.1f ms", seconds*1000)
}

func metOrNot(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

func renderSection(r results) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("Written by `make bench-scale` (`go run ./hack/benchscale`) on %s.\n\n", r.Started.Format("2006-01-02 15:04 MST"))
	p("**Machine:** %s. The API server, etcd, the benchmark and the operator share these CPUs with other engineers' work, so times are upper bounds and CPU shares are what the operator got, not what it needed; compare rows of one run rather than runs.\n\n", r.Machine)
	p("**Setup:** one fresh envtest (real kube-apiserver and etcd) per row. The instances (config/samples' InterviewAPI with %d replicas) exist before the operator starts: a cold start. ", r.Replicas)
	p("The operator is `cmd/interviewapi-operator` built and run as a process of its own (leader election on")
	if r.OperatorArgs != "" {
		p(", `%s`", r.OperatorArgs)
	}
	p("), talking to the API server through a counting proxy on loopback, so its memory, CPU and requests are its own. ")
	p("The benchmark plays the Deployment controller (a Deployment's status says every replica is ready as soon as its spec changes); only the rolling instances get Pod objects, since the operator reads pods only to measure a canary. ")
	p("Memory is the process's VmRSS (steady: at the end of a %s window that starts 10 s after the last instance turned Healthy) and VmHWM (peak). Reconcile latency is `controller_runtime_reconcile_time_seconds` over the cold start, interpolated within the operator's histogram buckets.\n\n", r.Steady)

	p("| instances | Healthy after start (half) | peak RSS | steady RSS | CPU until Healthy | steady CPU | reconciles (cold / steady) | reconcile p50 / p99 | requests during the cold start | steady requests per minute | load |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, run := range r.Runs {
		p("| %d | %.1f s (%.1f s) | %s | %s | %.1f s | %.0f m | %.0f / %.0f | %s / %s | %s | %s | %.1f |\n",
			run.Instances, run.Healthy.Seconds(), run.HalfHealthy.Seconds(), mib(run.PeakRSS), mib(run.SteadyRSS),
			run.ColdCPU.Seconds(), run.SteadyCPU*1000, run.ColdReconciles, run.SteadyReconciles,
			ms(run.ReconcileP50), ms(run.ReconcileP99),
			formatCounts(run.ColdRequests, 0), formatCounts(run.SteadyRequests, r.Steady), run.Load)
	}
	p("\n")

	var xs, ys []float64
	for _, run := range r.Runs {
		xs = append(xs, float64(run.Instances))
		ys = append(ys, float64(run.SteadyRSS)/1024)
	}
	if a, s, err := linearFit(xs, ys); err == nil {
		p("**Memory per instance:** a least-squares line through the steady RSS of the rows gives %.1f MiB + %.1f KiB × instances; size the operator's memory limit from it with margin for a rollout's peak (below).\n\n", a, s*1024)
	}

	largest := r.Runs[0]
	for _, run := range r.Runs {
		if run.Instances > largest.Instances {
			largest = run
		}
	}
	if rr := largest.Rollout; rr != nil {
		p("### %d rollouts at once (in the %d-instance run)\n\n", rr.Instances, largest.Instances)
		p("Every rolling instance enables async at the same moment; its rollout has two steps (50 %% with a pause of 3 analysis intervals, then 100 %%), analysis interval %s, so each takes a baseline and 3 analyses in step 1 and a baseline and one in step 2. ", r.Interval)
		p("Its pods are loopback HTTP servers that serve the captured `/metrics` of internal/poolhealth/testdata, each scrape advancing every counter by the traffic between metrics-1.txt and metrics-2.txt (a healthy interval) and reporting the pod's own database mode. ")
		p("An analysis's delay is the time the benchmark saw it recorded in status minus its due time: the step's start (when the baseline is taken) or the previous analysis, plus one interval.\n\n")
		p("| rollouts | until all ended | promoted / not | analyses | within 1 s of due | delay p50 / p99 / max | earliest | peak RSS | CPU | scrapes (most at once) | requests during the rollouts | load |\n")
		p("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		until := fmt.Sprintf("%.1f s", rr.Duration.Seconds())
		if rr.TimedOut {
			until = "not within " + until
		}
		p("| %d | %s | %d / %d | %d | %d | %s / %s / %s | %s early | %s | %.0f m | %d (%d) | %s | %.1f |\n\n",
			rr.Instances, until, rr.Promoted, rr.Other, rr.Analyses, rr.WithinSecond,
			rr.LateP50.Round(time.Millisecond), rr.LateP99.Round(time.Millisecond), rr.LateMax.Round(time.Millisecond),
			rr.EarlyMax.Round(time.Millisecond), mib(rr.PeakRSS), rr.CPU*1000, rr.Scrape, rr.ScrapePeak, formatCounts(rr.Requests, 0), rr.Load)
	}

	p("### Goals (%d instances)\n\n", largest.Instances)
	p("| goal | measured | |\n|---|---|---|\n")
	p("| every instance Healthy ≤ %s after the operator starts | %.1f s | %s |\n", goalHealthy, largest.Healthy.Seconds(), metOrNot(largest.Healthy <= goalHealthy))
	p("| steady RSS ≤ %s | %s | %s |\n", mib(goalSteadyRSS), mib(largest.SteadyRSS), metOrNot(largest.SteadyRSS <= goalSteadyRSS))
	rw, lw := writes(largest.SteadyRequests)
	p("| 0 API writes per minute in steady state | %.1f writes/min to InterviewAPIs and their children; %.1f Lease writes/min of leader election | %s |\n",
		float64(rw)/r.Steady.Minutes(), float64(lw)/r.Steady.Minutes(), metOrNot(rw == 0))
	if rr := largest.Rollout; rr != nil {
		p("| every analysis within 1 s of its due time, %d rollouts at once | %d of %d | %s |\n", rr.Instances, rr.WithinSecond, rr.Analyses, metOrNot(rr.Analyses > 0 && rr.WithinSecond == rr.Analyses))
	}
	p("\nLeader election renews its Lease every 2 s (controller-runtime's default RetryPeriod); those writes are the election's, not the reconciler's, and go with `--leader-elect=false` on a single replica.\n\n")
	p("Reproduce: `make bench-scale` (about %d min; `go run ./hack/benchscale --help` for the knobs).\n", estimateMinutes(r))
	return b.String()
}

func estimateMinutes(r results) int {
	var total time.Duration
	for _, run := range r.Runs {
		total += run.Create + run.Healthy + 10*time.Second + r.Steady + 15*time.Second
		if run.Rollout != nil {
			total += run.Rollout.Duration + 30*time.Second
		}
	}
	return int(math.Ceil(total.Minutes()))
}
