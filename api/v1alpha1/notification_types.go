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

// NotificationType is the format a notification is sent in.
// +kubebuilder:validation:Enum=Webhook;Slack
type NotificationType string

// Notification is one receiver of the rollout's decisions: rollout started, step
// promoted, analysis failed, rolled back, paused, promoted, fast rollback and the
// others the rollout records as Events. Its address is given in the spec (url) or in a
// Secret (urlSecretRef), for addresses that carry a token such as Slack's incoming
// webhooks. Either way the operator sends only to addresses its
// --allowed-notification-urls allows (docs/rollouts.md, "Notifications").
// +kubebuilder:validation:XValidation:rule="has(self.url) != has(self.urlSecretRef)",message="spec.rollout.notifications[]: set exactly one of url and urlSecretRef"
type Notification struct {
	// Type is Webhook (the operator's own JSON payload, apiVersion
	// notifications.interviewapi.io/v1) or Slack (a Slack incoming-webhook message).
	Type NotificationType `json:"type"`

	// URL is the address the decisions are POSTed to.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	// +optional
	URL string `json:"url,omitempty"`

	// URLSecretRef names a Secret key in the instance's namespace holding the
	// address. The operator reads that one Secret by name when it has something to
	// send (RBAC: get on secrets, never list or watch).
	// +optional
	URLSecretRef *SecretKeyRef `json:"urlSecretRef,omitempty"`
}
