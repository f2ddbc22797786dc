package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// PayloadAPIVersion versions the Webhook payload. Fields are only ever added within a
// version; a change of meaning or a removal makes a new one.
const PayloadAPIVersion = "notifications.interviewapi.io/v1"

// PayloadKind is the kind of every Webhook payload of PayloadAPIVersion.
const PayloadKind = "RolloutDecision"

// WebhookPayload is the JSON body POSTed to a Webhook receiver (docs/rollouts.md,
// "Notifications", documents every field).
type WebhookPayload struct {
	APIVersion     string          `json:"apiVersion"`
	Kind           string          `json:"kind"`
	ID             string          `json:"id"`
	Time           string          `json:"time"`
	Instance       PayloadInstance `json:"instance"`
	Decision       string          `json:"decision"`
	Severity       string          `json:"severity"`
	Message        string          `json:"message"`
	Revision       string          `json:"revision,omitempty"`
	StableRevision string          `json:"stableRevision,omitempty"`
	Mode           string          `json:"mode,omitempty"`
	Phase          string          `json:"phase,omitempty"`
	Step           *PayloadStep    `json:"step,omitempty"`
	FailedChecks   []PayloadCheck  `json:"failedChecks,omitempty"`
}

// PayloadInstance names the InterviewAPI.
type PayloadInstance struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
}

// PayloadStep is the step: index from 0, number from 1, of count, at weight percent.
type PayloadStep struct {
	Index  int32 `json:"index"`
	Number int32 `json:"number"`
	Count  int32 `json:"count"`
	Weight int32 `json:"weight"`
}

// PayloadCheck is a failed check with its value and threshold as the analysis wrote
// them (status.lastAnalysis.metrics).
type PayloadCheck struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Threshold string `json:"threshold"`
}

// Webhook is the Webhook payload of d.
func Webhook(d Decision) WebhookPayload {
	p := WebhookPayload{
		APIVersion:     PayloadAPIVersion,
		Kind:           PayloadKind,
		ID:             d.ID,
		Time:           d.Time.UTC().Format(time.RFC3339),
		Instance:       PayloadInstance{Namespace: d.Namespace, Name: d.Name, UID: d.UID},
		Decision:       d.Reason,
		Severity:       d.Severity,
		Message:        d.Message,
		Revision:       d.Revision,
		StableRevision: d.StableRevision,
		Mode:           d.Mode,
		Phase:          d.Phase,
	}
	if s := d.Step; s != nil {
		p.Step = &PayloadStep{Index: s.Index, Number: s.Index + 1, Count: s.Count, Weight: s.Weight}
	}
	for _, c := range d.FailedChecks {
		p.FailedChecks = append(p.FailedChecks, PayloadCheck(c))
	}
	return p
}

// SlackMessage is a Slack incoming-webhook message: text is what notifications and
// clients without blocks show, blocks the formatted message.
type SlackMessage struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks"`
}

// SlackBlock is a section or context block of Slack's Block Kit.
type SlackBlock struct {
	Type     string      `json:"type"`
	Text     *SlackText  `json:"text,omitempty"`
	Fields   []SlackText `json:"fields,omitempty"`
	Elements []SlackText `json:"elements,omitempty"`
}

// SlackText is a mrkdwn text object.
type SlackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Slack is the Slack message of d.
func Slack(d Decision) SlackMessage {
	icon := ":large_green_circle:"
	if d.Severity == "Warning" {
		icon = ":red_circle:"
	}
	title := fmt.Sprintf("%s *%s* %s/%s", icon, slackEscape(d.Reason), slackEscape(d.Namespace), slackEscape(d.Name))
	msg := SlackMessage{
		Text: slackEscape(fmt.Sprintf("%s %s/%s: %s", d.Reason, d.Namespace, d.Name, d.Message)),
		Blocks: []SlackBlock{{
			Type: "section",
			Text: &SlackText{Type: "mrkdwn", Text: title + "\n" + slackEscape(d.Message)},
		}},
	}
	var fields []SlackText
	field := func(name, value string) {
		if value != "" {
			fields = append(fields, SlackText{Type: "mrkdwn", Text: "*" + name + "*\n" + slackEscape(value)})
		}
	}
	field("Revision", d.Revision)
	field("Stable revision", d.StableRevision)
	field("Mode", d.Mode)
	field("Phase", d.Phase)
	if s := d.Step; s != nil {
		field("Step", fmt.Sprintf("%d/%d (%d%%)", s.Index+1, s.Count, s.Weight))
	}
	for _, c := range d.FailedChecks {
		field("Failed check", fmt.Sprintf("%s %s (threshold %s)", c.Name, c.Value, c.Threshold))
	}
	if len(fields) > slackMaxFields {
		fields = fields[:slackMaxFields]
	}
	if len(fields) > 0 {
		msg.Blocks = append(msg.Blocks, SlackBlock{Type: "section", Fields: fields})
	}
	msg.Blocks = append(msg.Blocks, SlackBlock{Type: "context", Elements: []SlackText{{
		Type: "mrkdwn", Text: slackEscape(fmt.Sprintf("%s · decision %s", d.Time.UTC().Format(time.RFC3339), d.ID)),
	}}})
	return msg
}

// slackMaxFields is the most fields Slack accepts in one section block.
const slackMaxFields = 10

// slackEscape escapes the three characters Slack's mrkdwn reads as markup (a
// threshold "<= 100ms" would otherwise start a link).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Body is the JSON body of d for a receiver of the type ("Webhook" or "Slack").
func Body(typ string, d Decision) ([]byte, error) {
	var v any
	switch typ {
	case TypeWebhook:
		v = Webhook(d)
	case TypeSlack:
		v = Slack(d)
	default:
		return nil, fmt.Errorf("unknown notification type %q", typ)
	}
	// Not HTML-escaped: a threshold "<= 100ms" reads as itself, not "\u003c= 100ms".
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// The receiver types, as spec.rollout.notifications[].type names them.
const (
	TypeWebhook = "Webhook"
	TypeSlack   = "Slack"
)
