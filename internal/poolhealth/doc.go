// Package poolhealth measures the connection-pool health of interviewapi-server pods and
// judges a canary by it.
//
// The pieces, from the wire to the verdict:
//
//   - A Sample is what one pod's /metrics says at one instant: the pool's counters
//     (acquires by result, the acquire-wait histogram, the integral of acquired
//     connections over time, HTTP requests by code) and gauges (pool capacity, pending
//     acquires, connections by state, the active database mode). ParseText reads one
//     from the Prometheus text exposition format.
//   - A Delta is what happened between two samples of the same pod (Diff), or across
//     several pods over the same interval (Aggregate): counter increases, merged
//     histogram buckets, and the pool capacity available over the interval. Lifetime
//     totals are never judged, only what changed in the interval.
//   - Measures are the quantities the analysis judges, computed from a Delta: the 99th
//     percentile of the acquire wait (interpolated inside its bucket exactly as
//     Prometheus' histogram_quantile does), the mean pool utilisation, the share of
//     acquires that timed out, the share of requests answered 5xx, and the number of
//     acquires (the sample size).
//   - JudgeThresholds compares the canary's Measures with the Criteria taken from the
//     InterviewAPI's analysis spec, and with the stable pods' Measures when they made
//     enough acquires, and returns the API's AnalysisResult. Too few acquires, a
//     missing metric or an unreachable pod is Inconclusive, never a Pass.
//
// Measures come from a Source. ScrapeSource reads each pod's /metrics directly and keeps
// the previous Sample of every pod in memory, so that it can return deltas; its first
// look at a pod only records a baseline. PrometheusSource asks a Prometheus server for
// the increases over the interval instead, and needs no memory. MeasureAndJudge ties a Source
// to JudgeThresholds for the reconciler.
//
// This is the operator's canary verdict. The server's own verdict on its pool, shown in
// /monitoring/database, is poolstats.ServerHealth; the two share no code or limits.
package poolhealth
