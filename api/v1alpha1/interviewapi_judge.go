/*
Copyright 2026 The InterviewAPI Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package v1alpha1

import "time"

// The judges of spec.rollout.analysis.judge.
const (
	JudgeCompare   AnalysisJudge = "Compare"
	JudgeThreshold AnalysisJudge = "Threshold"
)

// MaxAnalyses is how many analyses status.analyses keeps.
const MaxAnalyses = 10

// Defaults of the Compare judge's fields, as the schema holds them (a test checks
// them against the generated CRD); their reasons are in the fields' documentation.
const (
	DefaultJudge                  = JudgeCompare
	DefaultSampleInterval         = time.Second
	DefaultConfidence             = "0.99"
	DefaultMinWaitRatio           = "1.5"
	DefaultMinWaitIncrease        = 5 * time.Millisecond
	DefaultMinRateRatio           = "2"
	DefaultMinRateIncrease        = "0.005"
	DefaultMinUtilizationIncrease = "0.2"
)

// JudgeOrDefault is spec.rollout.analysis.judge with its default.
func (a *AnalysisSpec) JudgeOrDefault() AnalysisJudge {
	if a.Judge == "" {
		return DefaultJudge
	}
	return a.Judge
}

// SampleIntervalOrDefault is spec.rollout.analysis.sampleInterval with its default.
func (a *AnalysisSpec) SampleIntervalOrDefault() time.Duration {
	if a.SampleInterval == nil || a.SampleInterval.Duration < time.Second {
		return DefaultSampleInterval
	}
	return a.SampleInterval.Duration
}

// MinWaitIncreaseOrDefault is spec.rollout.analysis.compare.minWaitIncrease with its
// default.
func (c *CompareSpec) MinWaitIncreaseOrDefault() time.Duration {
	if c.MinWaitIncrease == nil {
		return DefaultMinWaitIncrease
	}
	return c.MinWaitIncrease.Duration
}

// ReasonDryRunFailed is the Event reason of an analysis whose dry-run checks would
// have failed the canary: recorded, not acted on.
const ReasonDryRunFailed = "DryRunCheckFailed"
