package main

import (
	"io"
	"slices"
	"testing"
	"time"
)

func TestDefaultOptionsAreTheIssuesBenchmark(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatalf("parseOptions: %v", err)
	}
	if o.duration != 15*time.Second || !slices.Equal(o.concurrencies, []int{64, 256, 1024}) ||
		!slices.Equal(o.modes, []string{"sync", "async"}) || o.poolSize != 20 || o.maxOverflow != 30 ||
		o.generatorLatency != 50*time.Millisecond || o.pgbenchClients != 50 {
		t.Errorf("defaults %+v differ from the issue's benchmark", o)
	}
	if o.mixedMix[0].Op != "parse-jd" || o.mixedMix[0].Weight*2 <= sumWeights(o) {
		t.Errorf("mixed workload %s is not dominated by parse-jd", o.mixedMix)
	}
}

func sumWeights(o options) int {
	n := 0
	for _, e := range o.mixedMix {
		n += e.Weight
	}
	return n
}

func TestOptionsAreChecked(t *testing.T) {
	tests := [][]string{
		{"--concurrency", "64,x"},
		{"--concurrency", "0"},
		{"--modes", "sync,fast"},
		{"--mix", "nothing=1"},
		{"--duration", "500ms"},
		{"--pool-size", "0"},
		{"--pg-max-connections", "60"},
		{"stray"},
	}
	for _, args := range tests {
		if _, err := parseOptions(args, io.Discard); err == nil {
			t.Errorf("parseOptions(%q) accepted bad options", args)
		}
	}
	o, err := parseOptions([]string{"--pool-size", "5", "--max-overflow", "5"}, io.Discard)
	if err != nil || o.pgbenchClients != 10 {
		t.Errorf("pgbench clients %d (err %v), want the pool cap 10", o.pgbenchClients, err)
	}
}
