package controllers

import (
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/opmetrics"
)

// FieldOwner is the server-side-apply field manager of everything the operator writes.
const FieldOwner = iapiv1alpha1.ManagerName

// ControllerName names the controller in logs, metrics and Events.
const ControllerName = "interviewapi"

// InterviewAPIReconciler runs the server of every InterviewAPI: it observes the
// instance and its children, plans which revision each track runs, applies the
// children and reports what it saw in status.
type InterviewAPIReconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads from the API server directly (the manager's GetAPIReader): it
	// finds objects the label-filtered cache cannot see. Nil means Client.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Metrics   *opmetrics.Metrics
	// Clock stamps conditions and history; tests may set a fake one.
	Clock clock.PassiveClock
}

// Phase names, as reported in errors, logs and interviewapi_operator_reconcile_errors_total.
const (
	phaseObserve = "observe"
	phasePlan    = "plan"
	phaseStable  = "stable"
	phaseCanary  = "canary"
	phaseService = "service"
	phasePDB     = "pdb"
	phaseStatus  = "status"
)

// +kubebuilder:rbac:groups=apps.interviewapi.io,resources=interviewapis,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps.interviewapi.io,resources=interviewapis/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=apps.interviewapi.io,resources=interviewapis/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one InterviewAPI's children and status in line with its spec. Each
// phase is a small function in its own file; they share the pass, which holds what
// was observed and what is planned, and the status computed in memory.
func (r *InterviewAPIReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	p, err := r.observe(ctx, req.NamespacedName)
	if err != nil {
		r.Metrics.ReconcileError(phaseObserve)
		return ctrl.Result{}, fmt.Errorf("%s: %w", phaseObserve, err)
	}
	if p == nil {
		// Deleted or being deleted: the garbage collector removes the children
		// through their owner references.
		return ctrl.Result{}, nil
	}
	phases := []struct {
		name string
		run  func(context.Context, *pass) error
	}{
		{phasePlan, r.plan},
		{phaseStable, r.reconcileStable},
		{phaseCanary, r.reconcileCanary},
		{phaseService, r.reconcileService},
		{phasePDB, r.reconcilePDB},
	}
	for _, phase := range phases {
		if err := phase.run(ctx, p); err != nil {
			return ctrl.Result{}, r.failed(ctx, p, phase.name, err)
		}
	}
	if err := r.updateStatus(ctx, p, nil); err != nil {
		r.Metrics.ReconcileError(phaseStatus)
		return ctrl.Result{}, fmt.Errorf("%s: %w", phaseStatus, err)
	}
	return p.result, nil
}

// failed reports a failed phase on the instance (a Warning Event and the Degraded
// condition, written if it changed) and returns the error for the work queue's backoff.
func (r *InterviewAPIReconciler) failed(ctx context.Context, p *pass, phase string, err error) error {
	err = fmt.Errorf("%s: %w", phase, err)
	r.Metrics.ReconcileError(phase)
	reason := iapiv1alpha1.ReasonReconcileFailed
	var notOwned *notOwnedError
	if errors.As(err, &notOwned) {
		reason = iapiv1alpha1.ReasonChildNotOwned
	}
	r.Recorder.Eventf(p.instance, nil, corev1.EventTypeWarning, reason, "Reconcile", "%v", err)
	if statusErr := r.updateStatus(ctx, p, err); statusErr != nil {
		logf.FromContext(ctx).Error(statusErr, "writing the failure into status")
	}
	return err
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
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&iapiv1alpha1.InterviewAPI{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			predicate.AnnotationChangedPredicate{},
			predicate.LabelChangedPredicate{},
		))).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Complete(r)
}
