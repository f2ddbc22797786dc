package rollout

import (
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// settings are the rollout fields of the spec with the schema's defaults filled in, for
// objects built in Go that never passed the API server.
type settings struct {
	replicas          int32
	steps             []v1alpha1.RolloutStep
	interval          time.Duration
	failureLimit      int32
	inconclusiveLimit int32
	progressDeadline  time.Duration
	onFailure         v1alpha1.FailurePolicy
	rollbackWindow    time.Duration
	// budget is spec.database.maxServerConnections, nil when unset.
	budget *int32
	paused bool
	// judge and sampleInterval are the analysis judge and how often the Compare
	// judge looks between analyses.
	judge          v1alpha1.AnalysisJudge
	sampleInterval time.Duration
}

func settingsOf(spec *v1alpha1.InterviewAPISpec) settings {
	r := spec.Rollout
	s := settings{
		replicas:          spec.ReplicasOrDefault(),
		steps:             r.Steps,
		interval:          v1alpha1.DefaultAnalysisInterval,
		failureLimit:      r.Analysis.FailureLimit,
		inconclusiveLimit: r.Analysis.InconclusiveLimit,
		progressDeadline:  v1alpha1.DefaultProgressDeadline,
		onFailure:         r.OnFailure,
		rollbackWindow:    v1alpha1.DefaultRollbackWindow,
		budget:            spec.Database.MaxServerConnections,
		paused:            spec.Paused,
		judge:             r.Analysis.JudgeOrDefault(),
		sampleInterval:    r.Analysis.SampleIntervalOrDefault(),
	}
	if len(s.steps) == 0 {
		s.steps = v1alpha1.DefaultRolloutSteps()
	}
	if r.Analysis.Interval != nil && r.Analysis.Interval.Duration > 0 {
		s.interval = r.Analysis.Interval.Duration
	}
	if s.failureLimit < 1 {
		s.failureLimit = v1alpha1.DefaultFailureLimit
	}
	if s.inconclusiveLimit < 1 {
		s.inconclusiveLimit = v1alpha1.DefaultInconclusiveLimit
	}
	if r.ProgressDeadline != nil {
		s.progressDeadline = r.ProgressDeadline.Duration
	}
	if s.onFailure == "" {
		s.onFailure = v1alpha1.FailureRollback
	}
	if r.RollbackWindow != nil {
		s.rollbackWindow = r.RollbackWindow.Duration
	}
	return s
}

// pause is how long a step is analysed: its pause, and at least one interval.
func (s settings) pause(step int32) time.Duration {
	var p time.Duration
	if st := s.steps[step].Pause; st != nil {
		p = st.Duration
	}
	return max(p, s.interval)
}

// requiredPasses is how many passing analyses a step needs: enough intervals to cover
// its pause, and at least one.
func (s settings) requiredPasses(step int32) int32 {
	return int32((s.pause(step) + s.interval - 1) / s.interval)
}

func (s settings) lastStep() int32 { return int32(len(s.steps) - 1) }
