package framework

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// DashboardFiles are the Grafana dashboards the repository ships: config/grafana and
// the operator chart's copies.
var DashboardFiles = []string{"config/grafana/*.json", "charts/interviewapi-operator/files/dashboards/*.json"}

// DashboardQuery is one PromQL expression of a dashboard: a panel's target, an
// annotation, or a template variable's label_values query.
type DashboardQuery struct {
	// Files are the dashboards holding the expression (the chart's copies hold the
	// same ones).
	Files []string
	// Where says where in the dashboard: "panel TITLE, target A", "annotation NAME",
	// "variable NAME".
	Where string
	// Expr is the expression as written, with Grafana's variables.
	Expr string
	// Variable is the template variable a label_values query fills ("" otherwise).
	Variable string
}

// DashboardQueries reads every expression of the dashboards under root, each
// expression once.
func DashboardQueries(root string) ([]DashboardQuery, error) {
	var files []string
	for _, pattern := range DashboardFiles {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no dashboard under %s (%v)", root, DashboardFiles)
	}
	var out []DashboardQuery
	index := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		rel, _ := filepath.Rel(root, f)
		for _, q := range d.queries() {
			key := q.Variable + "\x00" + q.Expr
			if i, ok := index[key]; ok {
				if !slices.Contains(out[i].Files, rel) {
					out[i].Files = append(out[i].Files, rel)
				}
				continue
			}
			q.Files = []string{rel}
			index[key] = len(out)
			out = append(out, q)
		}
	}
	return out, nil
}

// dashboard is the part of a Grafana dashboard holding expressions.
type dashboard struct {
	Panels      []panel `json:"panels"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title   string `json:"title"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	// Panels of a collapsed row.
	Panels []panel `json:"panels"`
}

func (d dashboard) queries() []DashboardQuery {
	var out []DashboardQuery
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				if t.Expr != "" {
					out = append(out, DashboardQuery{Where: fmt.Sprintf("panel %q, target %s", p.Title, t.RefID), Expr: t.Expr})
				}
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, a := range d.Annotations.List {
		if a.Expr != "" {
			out = append(out, DashboardQuery{Where: fmt.Sprintf("annotation %q", a.Name), Expr: a.Expr})
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			out = append(out, DashboardQuery{Where: fmt.Sprintf("variable %q", v.Name), Expr: v.Definition, Variable: v.Name})
		}
	}
	return out
}

// DashboardView is what a user picks and Grafana knows when it runs the queries.
type DashboardView struct {
	// Values of the dashboards' template variables (namespace, instance, track), each
	// a regular expression as Grafana writes a selection into =~ (QuoteMeta for one
	// value).
	Values map[string]string
	// Start and End are the time range, Step the resolution of a range query.
	Start, End time.Time
	Step       time.Duration
	// ScrapeInterval is the data source's scrape interval, which $__rate_interval
	// depends on.
	ScrapeInterval time.Duration
}

// grafanaVariable matches $name and ${name}.
var grafanaVariable = regexp.MustCompile(`\$(?:\{(\w+)\}|(\w+))`)

// Expand replaces Grafana's variables in expr as Grafana does: the template
// variables by their values, $__interval by the step, $__rate_interval by
// max($__interval + scrape interval, 4 × scrape interval), $__range by the time range.
// A variable it does not know is an error, so that a new one is never left in a query
// that then matches nothing.
func (v DashboardView) Expand(expr string) (string, error) {
	builtin := map[string]time.Duration{
		"__interval":      v.Step,
		"__rate_interval": max(v.Step+v.ScrapeInterval, 4*v.ScrapeInterval),
		"__range":         v.End.Sub(v.Start).Truncate(time.Second),
	}
	var unknown []string
	out := grafanaVariable.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grafanaVariable.FindStringSubmatch(m)
		name := cmp.Or(sub[1], sub[2])
		if d, ok := builtin[name]; ok {
			return model.Duration(d).String()
		}
		if val, ok := v.Values[name]; ok {
			return val
		}
		unknown = append(unknown, m)
		return m
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("unknown dashboard variables %v in %s", unknown, expr)
	}
	return out, nil
}

// labelValuesCall is a template variable's query: label_values(SELECTOR, LABEL).
var labelValuesCall = regexp.MustCompile(`^\s*label_values\((.+),\s*(\w+)\s*\)\s*$`)

// QueryResult is what one dashboard query returned over the view's time range.
type QueryResult struct {
	Query DashboardQuery
	// Expanded is the expression Prometheus ran.
	Expanded string
	// Series is how many series it returned; Points how many of their values are
	// numbers (not NaN or infinite); Values are the label values a variable's query
	// returned.
	Series, Points int
	Values         []string
	Err            error
}

// HasData reports whether the query returned something a panel would draw: a number
// at some time, or a label value for a variable.
func (r QueryResult) HasData() bool { return r.Err == nil && (r.Points > 0 || len(r.Values) > 0) }

func (r QueryResult) String() string {
	switch {
	case r.Err != nil:
		return fmt.Sprintf("%s (%s): %v", r.Query.Where, r.Expanded, r.Err)
	case r.Query.Variable != "":
		return fmt.Sprintf("%s: %v", r.Query.Where, r.Values)
	default:
		return fmt.Sprintf("%s: %d series, %d points: %s", r.Query.Where, r.Series, r.Points, r.Expanded)
	}
}

// EvaluateDashboardQuery runs one query as Grafana would over the view: a range query
// for a panel or annotation, the label values of the matching series for a variable.
func EvaluateDashboardQuery(ctx context.Context, api promv1.API, view DashboardView, q DashboardQuery) QueryResult {
	r := QueryResult{Query: q}
	r.Expanded, r.Err = view.Expand(q.Expr)
	if r.Err != nil {
		return r
	}
	if q.Variable != "" {
		m := labelValuesCall.FindStringSubmatch(r.Expanded)
		if m == nil {
			r.Err = fmt.Errorf("variable query %q is not label_values(SELECTOR, LABEL)", r.Expanded)
			return r
		}
		vals, _, _, err := api.LabelValues(ctx, m[2], []string{m[1]}, view.Start, view.End)
		r.Err = err
		for _, v := range vals {
			r.Values = append(r.Values, string(v))
		}
		return r
	}
	val, _, _, err := api.QueryRange(ctx, r.Expanded, promv1.Range{Start: view.Start, End: view.End, Step: view.Step})
	if err != nil {
		r.Err = err
		return r
	}
	matrix, ok := val.(model.Matrix)
	if !ok {
		r.Err = fmt.Errorf("a range query returned %s, not a matrix", val.Type())
		return r
	}
	r.Series = len(matrix)
	for _, s := range matrix {
		for _, p := range s.Values {
			if f := float64(p.Value); !math.IsNaN(f) && !math.IsInf(f, 0) {
				r.Points++
			}
		}
	}
	return r
}

// Summary is one line a query for a test log.
func Summary(results []QueryResult) string {
	lines := make([]string, len(results))
	for i, r := range results {
		lines[i] = r.String()
	}
	return strings.Join(lines, "\n")
}
