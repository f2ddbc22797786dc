package main

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// metricsFixture turns two captured /metrics bodies of the server (an earlier and a later
// scrape of one process, internal/poolhealth/testdata) into an endless series of scrapes:
// scrape k shows every counter at first + k × (second − first), so each analysis window
// sees the traffic of the captured interval, and every gauge at its second value. The
// interviewapi_db_mode gauge is set to the pod's own mode, as a server in that mode
// reports it. Series missing from the first body count from zero.
type metricsFixture struct {
	lines []fixtureLine
}

// fixtureLine is one line of the output: text as is, or a sample.
type fixtureLine struct {
	text string // the whole line when series is ""
	// series is the metric name with its labels, as written.
	series   string
	first    float64
	step     float64 // second − first for counters, 0 for gauges
	modeName string  // for interviewapi_db_mode: the mode label's value
}

// modeGauge is the server's database-mode metric (one series per mode, 1 for the active one).
const modeGauge = "interviewapi_db_mode"

// parseFixture reads the two bodies; the second decides which series exist and their order.
func parseFixture(first, second []byte) (*metricsFixture, error) {
	before, _, err := samples(first)
	if err != nil {
		return nil, fmt.Errorf("first body: %w", err)
	}
	after, order, err := samples(second)
	if err != nil {
		return nil, fmt.Errorf("second body: %w", err)
	}
	types := map[string]string{}
	f := &metricsFixture{}
	for _, line := range order {
		if strings.HasPrefix(line, "#") || line == "" {
			if fields := strings.Fields(line); len(fields) == 4 && fields[1] == "TYPE" {
				types[fields[2]] = fields[3]
			}
			f.lines = append(f.lines, fixtureLine{text: line})
			continue
		}
		series := seriesOf(line)
		name, _, _ := strings.Cut(series, "{")
		v2 := after[series]
		v1 := before[series]
		fl := fixtureLine{series: series, first: v2}
		if isCounter(name, types) {
			fl.first, fl.step = v1, v2-v1
			if fl.step < 0 {
				return nil, fmt.Errorf("counter %s goes down from %v to %v: the bodies are not of one process in order", series, v1, v2)
			}
		}
		if name == modeGauge {
			_, labels, _ := strings.Cut(series, "{")
			v, ok := labelValue(strings.TrimSuffix(labels, "}"), "mode")
			if !ok {
				return nil, fmt.Errorf("%s without a mode label", series)
			}
			fl.modeName = v
		}
		f.lines = append(f.lines, fl)
	}
	return f, nil
}

// render is scrape k of a pod in the given mode ("sync" or "async").
func (f *metricsFixture) render(k int, mode string) []byte {
	var b bytes.Buffer
	for _, l := range f.lines {
		if l.series == "" {
			b.WriteString(l.text)
			b.WriteByte('\n')
			continue
		}
		v := l.first + float64(k)*l.step
		if l.modeName != "" {
			v = 0
			if l.modeName == mode {
				v = 1
			}
		}
		b.WriteString(l.series)
		b.WriteByte(' ')
		b.Write(strconv.AppendFloat(nil, v, 'g', -1, 64))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// isCounter says whether a sample of the family name only grows: counters, and the
// buckets, sums and counts of histograms and summaries.
func isCounter(name string, types map[string]string) bool {
	if types[name] == "counter" {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if t := types[base]; t == "histogram" || t == "summary" {
				return true
			}
		}
	}
	return false
}

// samples maps each sample line's series to its value and returns every line in order.
func samples(body []byte) (map[string]float64, []string, error) {
	out := map[string]float64{}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		lines = append(lines, line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		series := seriesOf(line)
		v, err := strconv.ParseFloat(strings.TrimSpace(line[len(series):]), 64)
		if err != nil {
			return nil, nil, fmt.Errorf("line %q: %w", line, err)
		}
		out[series] = v
	}
	return out, lines, sc.Err()
}

// seriesOf is the part of a sample line before its value.
func seriesOf(line string) string {
	if i := strings.LastIndexByte(line, '}'); i >= 0 {
		return line[:i+1]
	}
	name, _, _ := strings.Cut(line, " ")
	return name
}

// labelValue finds key="value" in a label list (values of the server's own metrics hold
// no commas or quotes).
func labelValue(labels, key string) (string, bool) {
	for _, pair := range strings.Split(labels, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if ok && k == key {
			return strings.Trim(v, `"`), true
		}
	}
	return "", false
}
