package rollout

// CanaryReplicas is how many of replicas pods run the canary at a weight (percent).
//
// The canary gets ceil(replicas × weight / 100) pods, so that any weight above 0 has at
// least one canary pod to analyse; below 100 %, and with at least two replicas, at
// least one pod stays stable, so that the stable pods remain to compare with and to
// fall back on. The stable track gets the rest: the total is always replicas. For
// example, with 4 replicas 25 % is 1 canary pod and 50 % is 2; with 3 replicas 25 % is
// 1 and 50 % is 2; with 2 replicas 25 %, 50 % and 90 % are all 1; with 1 replica every
// weight is 1 canary pod and no stable pod.
func CanaryReplicas(replicas, weight int32) int32 {
	switch {
	case replicas <= 0 || weight <= 0:
		return 0
	case weight >= 100:
		return replicas
	}
	c := int32((int64(replicas)*int64(weight) + 99) / 100)
	if replicas >= 2 {
		c = min(c, replicas-1)
	}
	return max(c, 1)
}

// Weight is the canary's actual share of the pods, in whole percent (rounded down):
// what status.canaryWeight and interviewapi_rollout_canary_weight report.
func Weight(canary, replicas int32) int32 {
	if replicas <= 0 || canary <= 0 {
		return 0
	}
	return int32(int64(min(canary, replicas)) * 100 / int64(replicas))
}
