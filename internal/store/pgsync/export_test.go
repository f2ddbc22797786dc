package pgsync

// OpenWarmingUpAtOnce is Open with the warm-up opening atOnce connections at a time
// instead of warmUpParallel, for the warm-up benchmark.
var OpenWarmingUpAtOnce = open
