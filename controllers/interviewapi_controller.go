package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/notify"
	"github.com/interviewapi/operator/internal/opmetrics"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/internal/rollout"
	"github.com/interviewapi/operator/internal/urlallow"
)

// FieldOwner is the server-side-apply field manager of everything the operator writes.
const FieldOwner = iapiv1alpha1.ManagerName

// ControllerName names the controller in logs, metrics and Events.
const ControllerName = "interviewapi"

// InterviewAPIReconciler runs the server of every InterviewAPI: it observes the
// instance and its children, lets the rollout engine decide which revision each track
// runs (measuring the canary when the engine asks), records the decision in status and
// applies the children.
type InterviewAPIReconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads from the API server directly (the manager's GetAPIReader): it
	// finds objects the label-filtered cache cannot see, and the pods to measure.
	// Nil means Client.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Metrics   *opmetrics.Metrics
	// Clock is the time of every decision: step and analysis times, deadlines,
	// conditions and history. Tests set a fake one to drive a rollout.
	Clock clock.PassiveClock
	// Sources measure the canary's pool health. Nil means NewPoolHealthSources over
	// a ScrapeSource on Clock, set up by SetupWithManager.
	Sources MetricSources
	// MaxConcurrentReconciles is how many instances are reconciled at once (default
	// 1). An analysis waits for the pods' /metrics, so with many instances more
	// workers keep one slow scrape from delaying another instance's rollback.
	MaxConcurrentReconciles int
	// ReconcileTimeout bounds one pass of one instance (default
	// DefaultReconcileTimeout); AnalysisTimeout bounds the analysis inside it
	// (default DefaultAnalysisTimeout). See deadline.go.
	ReconcileTimeout time.Duration
	AnalysisTimeout  time.Duration
	// Notifier sends each decision to the instance's spec.rollout.notifications
	// (NewNotifier); nil sends none and leaves NotificationsReady unset.
	Notifier *notify.Dispatcher
	// AllowedNotificationURLs are the addresses a receiver may have
	// (--allowed-notification-urls); nil means DefaultAllowedNotificationURLs.
	AllowedNotificationURLs *urlallow.List

	// AdviceInterval is how often the stable pods are sampled for the pool advice
	// when no rollout runs (--advice-interval, default DefaultAdviceInterval); 0
	// takes no such samples, and only the windows of rollouts feed the advice.
	AdviceInterval time.Duration

	// advice is when each instance's next steady-state sample is due.
	advice adviceSchedule

	// analyses are the analyses in progress, interrupted when their instance changes.
	analyses analysisFlights

	// judges keeps the Compare judge's evidence of each rollout in progress.
	judges compareJudges
}

// conflictRetry is how soon a pass whose decision could not be recorded, because the
// instance had changed since it was read, is tried again: the cache catches up within
// milliseconds.
const conflictRetry = 100 * time.Millisecond

// Phase names, as reported in errors, logs and interviewapi_operator_reconcile_errors_total.
const (
	phaseObserve = "observe"
	phasePlan    = "plan"
	phaseStatus  = "status"
	phaseCanary  = "canary"
	phaseStable  = "stable"
	phaseService = "service"
	phasePDB     = "pdb"
)

// +kubebuilder:rbac:groups=apps.interviewapi.io,resources=interviewapis,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=apps.interviewapi.io,resources=interviewapis/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=apps.interviewapi.io,resources=interviewapis/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one InterviewAPI's children and status in line with its spec. Each
// phase is a small function in its own file; they share the pass, which holds what
// was observed and what is planned, and the status computed in memory. The decision
// is recorded in status before any Deployment changes (see commit).
func (r *InterviewAPIReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, r.reconcileTimeout(), errReconcileTimeout)
	defer cancel()
	p, err := r.observe(ctx, req.NamespacedName)
	if err != nil {
		r.Metrics.ReconcileError(phaseObserve)
		return ctrl.Result{}, fmt.Errorf("%s: %w", phaseObserve, err)
	}
	if p == nil {
		// Deleted or being deleted: the garbage collector removes the children
		// through their owner references; what the operator kept about the
		// instance goes now.
		r.Metrics.Forget(req.Namespace, req.Name)
		r.Sources.Forget(req.Namespace, req.Name)
		if r.Notifier != nil {
			r.Notifier.Forget(req.NamespacedName)
		}
		r.judges.forget(req.NamespacedName)
		r.advice.forget(req.NamespacedName)
		return ctrl.Result{}, nil
	}
	if err := r.plan(ctx, p); err != nil {
		if errors.Is(err, errInstanceChanged) {
			// The change that interrupted the analysis is already queued by the
			// watch: the next pass decides on it, at once.
			logf.FromContext(ctx).Info("analysis interrupted: the instance changed while it ran; deciding again on the changed instance")
			return ctrl.Result{RequeueAfter: conflictRetry}, nil
		}
		return ctrl.Result{}, r.failed(ctx, p, phasePlan, err)
	}
	r.advise(ctx, p)
	if err := r.commit(ctx, p); err != nil {
		if apierrors.IsConflict(err) {
			// The instance changed since the cache read it, often by this operator's
			// own status write of the previous pass that the cache has not caught up
			// with: nothing was applied, and the next pass decides on the fresh one.
			logf.FromContext(ctx).V(1).Info("the instance changed since it was read; deciding again", "error", err.Error())
			return ctrl.Result{RequeueAfter: conflictRetry}, nil
		}
		r.Metrics.ReconcileError(phaseStatus)
		return ctrl.Result{}, fmt.Errorf("%s: %w", phaseStatus, err)
	}
	phases := []struct {
		name string
		run  func(context.Context, *pass) error
	}{
		{phaseCanary, r.reconcileCanary},
		{phaseStable, r.reconcileStable},
		{phaseService, r.reconcileService},
		{phasePDB, r.reconcilePDB},
	}
	for _, phase := range phases {
		if err := phase.run(ctx, p); err != nil {
			r.reportApplied(p)
			return ctrl.Result{}, r.failed(ctx, p, phase.name, err)
		}
	}
	r.reportApplied(p)
	return r.queued(p), nil
}

// failed reports a failed phase on the instance (a Warning Event and the Degraded
// condition, written if it changed) and returns the error for the work queue's backoff.
// A failure before the decision was recorded reports on the previous status: the
// decision's status is never written without its annotations consumed and its Events
// sent (commit).
func (r *InterviewAPIReconciler) failed(ctx context.Context, p *pass, phase string, err error) error {
	err = fmt.Errorf("%s: %w", phase, err)
	if errors.Is(context.Cause(ctx), errReconcileTimeout) {
		err = fmt.Errorf("%w (%w)", err, errReconcileTimeout)
	}
	r.Metrics.ReconcileError(phase)
	reason := failureReason(err)
	r.Recorder.Eventf(p.instance, nil, corev1.EventTypeWarning, reason, "Reconcile", "%v", err)
	var decided *rollout.Plan
	if p.recorded {
		decided = &p.plan
	}
	p.status = rollout.StatusAfterFailure(p.input, decided, rollout.Failure{Reason: reason, Message: err.Error()})
	// The pass's own deadline may be what failed it: the report gets a short one of
	// its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), failureReportTimeout)
	defer cancel()
	if statusErr := r.updateStatus(ctx, p); statusErr != nil {
		logf.FromContext(ctx).Error(statusErr, "writing the failure into status")
	}
	return err
}

// failureReason is the reason of the Event and the Degraded condition that report a
// failed pass.
func failureReason(err error) string {
	var notOwned *notOwnedError
	var refused *prometheusRefusedError
	switch {
	case errors.As(err, &notOwned):
		return iapiv1alpha1.ReasonChildNotOwned
	case errors.As(err, &refused):
		return iapiv1alpha1.ReasonPrometheusNotAllowed
	}
	return iapiv1alpha1.ReasonReconcileFailed
}

func (r *InterviewAPIReconciler) apiReader() client.Reader {
	if r.APIReader == nil {
		return r.Client
	}
	return r.APIReader
}

// SetupWithManager registers the controller: it reconciles an InterviewAPI when its
// spec, labels or annotations change (not on its own status writes) and when one of
// the objects it owns changes.
func (r *InterviewAPIReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if r.Sources == nil {
		r.Sources = NewPoolHealthSources(poolhealth.NewScrapeSource(poolhealth.WithClock(r.Clock.Now)))
	}
	r.Metrics.ReconcilePhases(phaseObserve, phasePlan, phaseStatus, phaseCanary, phaseStable, phaseService, phasePDB)
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(r.MaxConcurrentReconciles, 1)}).
		For(&iapiv1alpha1.InterviewAPI{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			predicate.AnnotationChangedPredicate{},
			predicate.LabelChangedPredicate{},
		))).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Watches(&iapiv1alpha1.InterviewAPI{}, r.interruptOnChange()).
		Complete(r)
}
