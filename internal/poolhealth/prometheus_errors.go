package poolhealth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// queryError is what a failed Prometheus query reports. It ends up in the instance's
// status, which everyone who may read the instance sees, while the address it was
// sent to is chosen by whoever may write it: so it names the kind of failure and
// never carries text from the answer (the body of an error response, an error
// message or a decoding error quoting it).
func queryError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return errors.New("no answer from Prometheus before the analysis deadline")
		}
		return errors.New("the query was cancelled")
	}
	var apiErr *promv1.Error
	if errors.As(err, &apiErr) {
		switch apiErr.Type {
		case promv1.ErrClient, promv1.ErrServer, promv1.ErrBadResponse:
			// HTTP-level failures: client_golang's message is its own text with
			// the status code; the body is only in Detail.
			return fmt.Errorf("the Prometheus API answered %s (%s)", apiErr.Type, statusOnly(apiErr.Msg))
		case promv1.ErrBadData, promv1.ErrTimeout, promv1.ErrCanceled, promv1.ErrExec:
			// An error Prometheus reported in its JSON: the type is one of the
			// API's fixed set, the message is the server's own text.
			return fmt.Errorf("the Prometheus API answered an error of type %s", apiErr.Type)
		default:
			return errors.New("the Prometheus API answered an error of an unknown type")
		}
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return errors.New("no answer from Prometheus in time")
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return errors.New("the TLS certificate of Prometheus is not trusted")
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		var opErr *net.OpError
		if errors.As(urlErr.Err, &opErr) {
			return fmt.Errorf("connect to Prometheus: %s %s", opErr.Op, opErr.Err)
		}
		return errors.New("the request to Prometheus failed")
	}
	return errors.New("the request to Prometheus failed")
}

// statusOnly keeps client_golang's own messages for HTTP failures ("server error:
// 500", "client error: 404", "bad response code 302") and replaces anything else,
// which would be a decoding error quoting the body, with a fixed text.
func statusOnly(msg string) string {
	var code int
	for _, format := range []string{"server error: %d", "client error: %d", "bad response code %d"} {
		if n, err := fmt.Sscanf(msg, format, &code); err == nil && n == 1 && fmt.Sprintf(format, code) == msg {
			return msg
		}
	}
	return "an answer that is not the Prometheus API's"
}
