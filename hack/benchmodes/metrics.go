package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/interviewapi/operator/internal/metricnames"
)

// poolCounters are the server's pool metrics (internal/metricnames) that explain a run:
// how long requests waited for a connection, and how often connections were replaced.
type poolCounters struct {
	AcquireWaitSum   float64 // seconds, interviewapi_db_pool_acquire_duration_seconds_sum
	AcquireWaitCount float64
	Closed           float64 // interviewapi_db_pool_connections_closed_total, every reason
	Timeouts         float64 // interviewapi_db_pool_acquires_total{result="timeout"}
}

// sub returns the increase from before to c.
func (c poolCounters) sub(before poolCounters) poolCounters {
	return poolCounters{
		AcquireWaitSum:   c.AcquireWaitSum - before.AcquireWaitSum,
		AcquireWaitCount: c.AcquireWaitCount - before.AcquireWaitCount,
		Closed:           c.Closed - before.Closed,
		Timeouts:         c.Timeouts - before.Timeouts,
	}
}

// meanWait is the mean time an acquire waited for a connection.
func (c poolCounters) meanWait() time.Duration {
	if c.AcquireWaitCount <= 0 {
		return 0
	}
	return time.Duration(c.AcquireWaitSum / c.AcquireWaitCount * float64(time.Second))
}

func scrapePool(ctx context.Context, baseURL string) (poolCounters, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		return poolCounters{}, err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return poolCounters{}, fmt.Errorf("scraping %s/metrics: %w", baseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return poolCounters{}, fmt.Errorf("scraping %s/metrics: HTTP %d", baseURL, resp.StatusCode)
	}
	var c poolCounters
	found := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, labels, value, ok := parseSample(sc.Text())
		if !ok {
			continue
		}
		switch {
		case name == metricnames.PoolAcquireDuration+metricnames.SumSuffix:
			c.AcquireWaitSum += value
		case name == metricnames.PoolAcquireDuration+metricnames.CountSuffix:
			c.AcquireWaitCount += value
		case name == metricnames.PoolConnectionsClosed:
			c.Closed += value
		case name == metricnames.PoolAcquires && strings.Contains(labels, metricnames.LabelResult+`="`+metricnames.ResultTimeout+`"`):
			c.Timeouts += value
		default:
			continue
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return c, fmt.Errorf("reading %s/metrics: %w", baseURL, err)
	}
	if found == 0 {
		return c, fmt.Errorf("%s/metrics has none of the pool metrics (is ASYNC_DATABASE_MONITORING_ENABLED off?)", baseURL)
	}
	return c, nil
}

// parseSample splits a line of the Prometheus text format into metric name, label text
// and value; comments and blank lines are not samples.
func parseSample(line string) (name, labels string, value float64, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", "", 0, false
	}
	head, valueText := line, ""
	if i := strings.LastIndexByte(line, '}'); i >= 0 {
		head, valueText = line[:i+1], strings.TrimSpace(line[i+1:])
	} else if fields := strings.Fields(line); len(fields) >= 2 {
		head, valueText = fields[0], fields[1]
	}
	if f := strings.Fields(valueText); len(f) > 0 {
		valueText = f[0] // a timestamp may follow the value
	}
	v, err := strconv.ParseFloat(valueText, 64)
	if err != nil {
		return "", "", 0, false
	}
	name, labels, _ = strings.Cut(head, "{")
	return name, labels, v, true
}
