// Package notify sends the rollout's decisions to the receivers an InterviewAPI names
// in spec.rollout.notifications: a versioned JSON payload for generic webhooks
// (PayloadAPIVersion) and a Slack incoming-webhook message.
//
// The reconciler hands each decision to a Dispatcher, which never blocks it: the
// dispatcher keeps one bounded queue for the whole operator, delivers the decisions of
// one instance in order (one worker per instance with work), retries a failed
// delivery with back-off under a per-attempt timeout, and reports what it could not
// deliver (metrics, and a Warning Event through its Report callback). Each decision
// carries an ID derived from the instance's status (DecisionID), which the dispatcher
// uses to send a decision once, and which receivers may use to drop a repeat.
//
// The addresses are checked against the operator's --allowed-notification-urls by the
// reconciler before anything is queued; see docs/rollouts.md, "Notifications".
package notify
