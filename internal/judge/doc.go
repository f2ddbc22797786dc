// Package judge is the comparing canary judge: it decides whether the canary pods
// are worse than the stable pods over the same seconds, with a false-failure rate
// bounded at any number of looks, so that the operator can look every second and
// roll a bad canary back at once, and it refuses to blame the canary for a fault
// that degrades the stable pods alike. docs/rollouts.md explains it for an operator,
// with a worked example; this comment is the statistician's summary.
//
// # Inputs
//
// At each look (every sampleInterval of a step) a Track per track: what the canary
// pods and the stable pods did since the step started, as counter increases summed
// over the track's pods (acquire-wait histogram buckets, acquires and timeouts,
// requests and 5xx answers, acquired and available connection-seconds). A Sequence
// is the judge of one rollout and keeps the evidence between looks.
//
// # The checks, and their tests
//
//   - acquireWaitP99: the Mann-Whitney U test on the histogram's bucket counts
//     (MannWhitney: grouped data, every wait of a bucket a tie at its mid-rank, the tie
//     correction of the variance, the continuity correction). Its effect is a
//     quantile ratio and shift, canary against stable, at the highest quantile both
//     samples resolve (effectQuantile): the Hodges-Lehmann shift, the median of the
//     pairwise differences, is 0 whenever most waits of both tracks are in the
//     lowest bucket, which is the usual case, even when the canary's tail is far
//     worse, and it is the tail a starving pool moves.
//   - acquireTimeoutRatio and errorRatio: an exact conditional test of two
//     proportions (RateEvidence): given a look's failures on both tracks, the
//     canary's share is hypergeometric under the null hypothesis, as in Fisher's
//     exact test; the likelihood ratio against "the canary fails r times as often",
//     mixed over r, is a test supermartingale. The error ratio counts requests, not
//     acquires, so a canary answering 5xx without touching its pool is judged.
//   - poolUtilization: a test by betting on the paired differences of the two
//     tracks' utilisation, look by look (UsageEvidence).
//
// A check fails only when its test rejects at the check's share of the error budget
// AND the effect is material (both a ratio and an increase, Config's margins). A
// rate check whose increase is material and whose test is below suggestiveP (0.05)
// but not yet at its share holds the analysis Inconclusive: the step does not pass
// on evidence too thin to decide a regression it already suggests.
//
// # Any number of looks
//
// Every test is a nonnegative supermartingale under its null hypothesis, started at
// 1: the rank test's normal mixture (mixtureLogLR; Robbins' mixture SPRT, valid as
// the rank statistic's sequence approaches a Brownian motion in its information),
// the rate, ceiling and usage tests exactly. By Ville's inequality such a process
// ever reaches 1/α with probability at most α, so min(1, 1 / its running maximum)
// is a p-value valid whenever the analysis stops: looking every second costs
// nothing in false failures, only a boundary that grows with the logarithm of the
// information. A fixed-sample test looked at sixty times a minute would fail an
// identical canary most of the time; a Bonferroni split over the looks would need
// the number of looks in advance and lose power with every one. The error budget
// 1 − confidence is split by a union bound over the seven tests that can fail a
// canary (four comparisons, three ceilings), and the rank test's share again over
// the compared steps, since it compares each step's waits afresh.
//
// # Ceilings and shared faults
//
// The absolute thresholds stay as ceilings, tested sequentially as well
// (CeilingEvidence: "this track's share is above the ceiling", with the same
// confidence, so that one timeout among a quiet pod's sixty acquires is no
// failure). The same tests on the stable pods tell a shared fault (sharedFault):
// stable pods above a ceiling beside a canary above it too, both with the judge's
// confidence, the canary neither measured within it over the evidence nor shown
// better than the stable pods (the comparison's tests the other way round), make
// the look a shared fault, whose analysis is Inconclusive with the reason "stable pods
// degraded alike: …", never Fail and never Pass; the evidence then starts afresh,
// since what both tracks did while the environment failed says nothing about the
// canary. Stable pods above a ceiling beside a canary measured within it or shown
// better are the stable revision's own trouble, and the comparison judges the
// canary: a ceiling binds while the stable pods are within it. Beside a
// canary that can be neither shown above nor measured within (too few acquires yet)
// the look is unresolved: a failure is held and no analysis passes, but the evidence
// is kept, so that a canary within its ceilings accumulates it across bursts that
// break the stable pods' ceiling. A canary above a ceiling fails only while the stable
// pods are within it. With no stable pods (a step at 100 %) the ceilings judge alone.
//
// # Measured
//
// TestAAFalseFailureRate simulates 10,000 A/A rollouts looked at every second and
// asserts a false-failure rate within 1 − confidence; the power tests measure how
// fast regressions are caught. docs/rollouts.md reports the figures.
package judge
