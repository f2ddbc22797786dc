package generator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
)

// Describe says why the external generator failed in words fit for an API client:
// the kind of failure and, for an HTTP answer, its status code. It never includes the
// provider's URL (which may carry a key or an internal address) nor text from its
// answer; the whole error goes to the server's log.
func Describe(err error) string {
	var provider *ProviderError
	var netErr net.Error
	var urlErr *url.Error
	switch {
	case err == nil:
		return "answered"
	case errors.Is(err, context.DeadlineExceeded):
		return "did not answer in time"
	case errors.Is(err, context.Canceled):
		return "was not waited for (the request ended)"
	case errors.As(err, &provider):
		return fmt.Sprintf("answered HTTP %d", provider.StatusCode)
	case errors.As(err, &netErr) && netErr.Timeout():
		return "did not answer in time"
	case errors.As(err, &urlErr):
		return "could not be reached"
	}
	return "answered something that is not usable questions"
}
