package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Target is one receiver of an instance's decisions, its address already resolved
// (from url or urlSecretRef) and allowed.
type Target struct {
	// Index is the receiver's place in spec.rollout.notifications.
	Index int
	// Type is Webhook or Slack.
	Type string
	// URL is where the decisions are POSTed. It may carry a token (Slack's do), so
	// it is never logged or reported whole: see Redact.
	URL string
}

// String names the receiver without its secret parts.
func (t Target) String() string {
	return fmt.Sprintf("spec.rollout.notifications[%d] (%s, %s)", t.Index, t.Type, Redact(t.URL))
}

// Redact is a URL reduced to its scheme, host and port: the path and query of a
// webhook address often hold its token.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(not a URL)"
	}
	return u.Scheme + "://" + u.Host
}

// errPermanent marks a delivery that a retry cannot fix: the receiver refused the
// request itself (a 4xx other than 408 and 429).
var errPermanent = errors.New("refused by the receiver")

// newHTTPClient is the client of every delivery. It follows no redirect: a receiver
// could otherwise send the request to an address the allow-list never saw.
func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// post sends one decision to one receiver; ctx carries the attempt's timeout.
func post(ctx context.Context, c *http.Client, t Target, d Decision) error {
	body, err := Body(t.Type, d)
	if err != nil {
		return fmt.Errorf("%w: %w", errPermanent, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %w", errPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "interviewapi-operator")
	req.Header.Set("X-Interviewapi-Decision-Id", d.ID)
	resp, err := c.Do(req)
	if err != nil {
		// The error of a failed request names the whole URL; report the host only.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("POST %s: %w", Redact(t.URL), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("POST %s: %s", Redact(t.URL), resp.Status)
	default:
		return fmt.Errorf("POST %s: %s: %w", Redact(t.URL), resp.Status, errPermanent)
	}
}
