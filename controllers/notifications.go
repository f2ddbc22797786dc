package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/notify"
	"github.com/interviewapi/operator/internal/opmetrics"
	"github.com/interviewapi/operator/internal/rollout"
	"github.com/interviewapi/operator/internal/urlallow"
)

// DefaultAllowedNotificationURLs are the addresses --allowed-notification-urls allows
// by default: Services inside the cluster, and Slack's incoming webhooks.
var DefaultAllowedNotificationURLs = append(append([]string(nil), urlallow.Default...), "https://hooks.slack.com/")

// The urlSecretRef of a receiver is read with get on that one Secret by name, through
// the uncached APIReader: never list or watch, so the operator holds no Secret but the
// ones it is pointed at, and only while it sends (docs/rollouts.md, "Notifications").
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// notificationAction is the action of the Events about notifications.
const notificationAction = "Notify"

// NewNotifier is the operator's notification dispatcher: it counts in m and reports
// every decision a receiver did not get as a Warning Event on its instance. Add it to
// the manager (it is a Runnable) and set it as the reconciler's Notifier.
func NewNotifier(recorder events.EventRecorder, m *opmetrics.Metrics, opts notify.Options) *notify.Dispatcher {
	opts.Observer = m
	opts.Report = func(f notify.Failure) {
		obj := &iapiv1alpha1.InterviewAPI{}
		obj.Namespace, obj.Name, obj.UID = f.Instance.Namespace, f.Instance.Name, types.UID(f.Decision.UID)
		to := "any receiver"
		if !f.Dropped {
			to = f.Target.String()
		}
		logf.Log.WithName("notify").Info("decision not delivered", "namespace", f.Instance.Namespace, "name", f.Instance.Name,
			"decision", f.Decision.Reason, "id", f.Decision.ID, "receiver", to, "error", f.Err.Error())
		recorder.Eventf(obj, nil, corev1.EventTypeWarning, iapiv1alpha1.ReasonNotificationFailed, notificationAction,
			"decision %s (%s) not delivered to %s: %v", f.Decision.Reason, f.Decision.ID, to, f.Err)
	}
	return notify.NewDispatcher(opts)
}

// notifiable reports whether a rollout Event is a decision worth telling: all are,
// but an inconclusive analysis below its limit, which changes nothing.
func notifiable(e rollout.Event) bool {
	return e.Reason != iapiv1alpha1.ReasonAnalysisInconclusive || e.Type != corev1.EventTypeNormal
}

// checkNotifications resolves the instance's receivers when the pass needs them: it
// has a decision to send, or the NotificationsReady condition has not seen this spec.
// It returns nil when no check was taken (no notifier, no receivers, nothing to do).
// The receivers that may be sent to are kept in the pass for notify.
func (r *InterviewAPIReconciler) checkNotifications(ctx context.Context, p *pass, decision rollout.Plan) *rollout.NotificationsCheck {
	in := p.instance
	receivers := in.Spec.Rollout.Notifications
	if r.Notifier == nil || len(receivers) == 0 {
		return nil
	}
	c := meta.FindStatusCondition(in.Status.Conditions, iapiv1alpha1.ConditionNotificationsReady)
	due := c == nil || c.ObservedGeneration != in.Generation
	for _, e := range decision.Events {
		due = due || notifiable(e)
	}
	if !due {
		return nil
	}
	allowed := r.AllowedNotificationURLs
	if allowed == nil {
		allowed, _ = urlallow.Parse(DefaultAllowedNotificationURLs)
	}
	types := make([]string, 0, len(receivers))
	for _, n := range receivers {
		types = append(types, string(n.Type))
	}
	r.Metrics.NotificationsConfigured(in.Namespace, in.Name, slices.Compact(slices.Sorted(slices.Values(types))))
	check := &rollout.NotificationsCheck{Ready: true, Reason: iapiv1alpha1.ReasonNotificationsConfigured}
	var problems []string
	p.notifyTargets, p.notifyRefused = nil, nil
	for i, n := range receivers {
		name := fmt.Sprintf("spec.rollout.notifications[%d] (%s)", i, n.Type)
		url, err := r.receiverURL(ctx, in, n)
		if err != nil {
			if check.Ready {
				check.Reason = iapiv1alpha1.ReasonNotificationSecretUnreadable
			}
			check.Ready = false
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			p.notifyRefused = append(p.notifyRefused, string(n.Type))
			continue
		}
		t := notify.Target{Index: i, Type: string(n.Type), URL: url}
		if err := allowed.Check(url); err != nil {
			if check.Ready {
				check.Reason = iapiv1alpha1.ReasonNotificationURLNotAllowed
			}
			check.Ready = false
			problems = append(problems, fmt.Sprintf("%s: %s is refused, nothing is sent to it: %v (the operator's --allowed-notification-urls)", t, notify.Redact(url), err))
			p.notifyRefused = append(p.notifyRefused, string(n.Type))
			continue
		}
		p.notifyTargets = append(p.notifyTargets, t)
	}
	if check.Ready {
		check.Message = fmt.Sprintf("%d notification receivers, every address allowed", len(receivers))
	} else {
		check.Message = strings.Join(problems, "; ")
	}
	return check
}

// receiverURL is a receiver's address: its url, or the value of its urlSecretRef read
// with one get of that Secret from the API server (never the cache, which would list
// and watch every Secret).
func (r *InterviewAPIReconciler) receiverURL(ctx context.Context, in *iapiv1alpha1.InterviewAPI, n iapiv1alpha1.Notification) (string, error) {
	if n.URLSecretRef == nil {
		return n.URL, nil
	}
	ref := n.URLSecretRef
	if r.APIReader == nil {
		return "", fmt.Errorf("secret %s: the operator has no uncached reader to read it with", ref.Name)
	}
	var s corev1.Secret
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: in.Namespace, Name: ref.Name}, &s); err != nil {
		return "", fmt.Errorf("read Secret %s: %w", ref.Name, err)
	}
	v, ok := s.Data[ref.Key]
	url := strings.TrimSpace(string(v))
	if !ok || url == "" {
		return "", fmt.Errorf("secret %s has no key %q with an address", ref.Name, ref.Key)
	}
	return url, nil
}

// notify hands the decisions of a recorded pass to the dispatcher, which sends them
// in the background; it never waits for a receiver.
func (r *InterviewAPIReconciler) notify(p *pass) {
	if r.Notifier == nil || (len(p.notifyTargets) == 0 && len(p.notifyRefused) == 0) {
		return
	}
	in := p.instance
	key := types.NamespacedName{Namespace: in.Namespace, Name: in.Name}
	for _, d := range decisionsOf(p) {
		for _, typ := range p.notifyRefused {
			r.Metrics.NotificationRefused(in.Namespace, in.Name, typ)
		}
		if len(p.notifyTargets) > 0 && r.Notifier.Enqueue(notify.Message{Instance: key, Decision: d, Targets: p.notifyTargets}) {
			logf.Log.WithName("notify").Info("decision queued", "namespace", in.Namespace, "name", in.Name,
				"decision", d.Reason, "id", d.ID, "receivers", len(p.notifyTargets))
		}
	}
}

// decisionsOf describes the notifiable Events of a recorded pass with what the status
// before and after the decision says of them.
func decisionsOf(p *pass) []notify.Decision {
	before, after := &p.input.Instance.Status, &p.status
	in := p.instance
	var out []notify.Decision
	for seq, e := range p.plan.Events {
		if !notifiable(e) {
			continue
		}
		d := notify.Decision{
			Reason: e.Reason, Severity: e.Type, Message: e.Message, Time: p.now.Time,
			Namespace: in.Namespace, Name: in.Name, UID: string(in.UID),
			Revision: decisionRevision(p, before, after),
			Mode:     after.Mode, Phase: string(after.Phase),
		}
		if after.Stable != nil {
			d.StableRevision = after.Stable.Revision
		}
		stepIndex := int32(-1)
		if step := decisionStep(before, after); step != nil {
			steps := in.Spec.Rollout.Steps
			if len(steps) == 0 {
				steps = iapiv1alpha1.DefaultRolloutSteps()
			}
			if i := int(*step); i < len(steps) {
				stepIndex = *step
				d.Step = &notify.Step{Index: *step, Count: int32(len(steps)), Weight: steps[i].Weight}
			}
		}
		if e.Reason == iapiv1alpha1.ReasonAnalysisFailed || e.Reason == iapiv1alpha1.ReasonRolledBack {
			d.FailedChecks = failedChecks(before, after)
		}
		d.ID = notify.DecisionID(d.UID, d.Revision, stepIndex, d.Reason, d.Time, seq)
		out = append(out, d)
	}
	return out
}

// decisionRevision is the revision a decision is about: the canary's while one runs,
// else the one whose rollout ended in this pass (its history entry), else the spec's.
func decisionRevision(p *pass, before, after *iapiv1alpha1.InterviewAPIStatus) string {
	if after.Canary != nil {
		return after.Canary.Revision
	}
	if n := len(after.History); n > 0 && (len(before.History) == 0 || !equality.Semantic.DeepEqual(after.History[n-1], before.History[len(before.History)-1])) {
		return after.History[n-1].Revision
	}
	return p.instance.Spec.DesiredRevision().Revision
}

// decisionStep is the step the rollout is at after the decision, or for a decision
// that ended it, the step it ended at; nil when no rollout ran.
func decisionStep(before, after *iapiv1alpha1.InterviewAPIStatus) *int32 {
	if after.Canary != nil && after.CurrentStep != nil {
		return after.CurrentStep
	}
	if before.Canary != nil && before.CurrentStep != nil {
		return before.CurrentStep
	}
	return nil
}

// failedChecks are the failed checks of the analysis taken in this pass.
func failedChecks(before, after *iapiv1alpha1.InterviewAPIStatus) []notify.Check {
	a := after.LastAnalysis
	if a == nil || a.Verdict != iapiv1alpha1.VerdictFail || equality.Semantic.DeepEqual(a, before.LastAnalysis) {
		return nil
	}
	var out []notify.Check
	for _, m := range a.Metrics {
		if m.Verdict == iapiv1alpha1.VerdictFail {
			out = append(out, notify.Check{Name: m.Name, Value: m.Value, Threshold: m.Threshold})
		}
	}
	return out
}
