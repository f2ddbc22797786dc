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

// Notification types.
const (
	NotificationWebhook NotificationType = "Webhook"
	NotificationSlack   NotificationType = "Slack"
)

// MaxNotifications is how many receivers spec.rollout.notifications may list.
const MaxNotifications = 10

// ConditionNotificationsReady is True when every receiver of spec.rollout.notifications
// has an address the operator may send to; False names the first one it may not (no
// request is sent to it). It is absent when no notifications are configured.
const ConditionNotificationsReady = "NotificationsReady"

// Reasons of the NotificationsReady condition and of the notification Events.
const (
	// ReasonNotificationsConfigured: every receiver's address is allowed.
	ReasonNotificationsConfigured = "NotificationsConfigured"
	// ReasonNotificationURLNotAllowed: a receiver's address is not among the
	// operator's --allowed-notification-urls; nothing is sent to it.
	ReasonNotificationURLNotAllowed = "NotificationURLNotAllowed"
	// ReasonNotificationSecretUnreadable: a receiver's urlSecretRef names a Secret or
	// key that cannot be read.
	ReasonNotificationSecretUnreadable = "NotificationSecretUnreadable"
	// ReasonNotificationFailed: a decision could not be delivered to a receiver after
	// every retry, or was dropped because the operator's queue was full.
	ReasonNotificationFailed = "NotificationFailed"
)
