package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/interviewapi/operator/internal/httpapi/request"
	"github.com/interviewapi/operator/internal/service"
	"github.com/interviewapi/operator/internal/store"
)

// errorBody is every error response: {"error":{"code":"…","message":"…"}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// requestError is a problem with the HTTP request itself (route, method, feature
// switched off), found before the service runs.
type requestError struct {
	status  int
	code    string
	message string
}

func (e *requestError) Error() string { return e.message }

// notReadyError is a server that cannot take requests yet or any more: migrations
// pending, shutting down, database not answering the readiness probe. It is a state
// the server expects to leave, so it is answered 503 with Retry-After and not logged
// as a failed request (the readiness probe would fill the log).
type notReadyError struct {
	code    string
	message string
}

func (e *notReadyError) Error() string { return e.message }

// statusClientClosedRequest is nginx's status for a request whose client went away; no
// one reads it, but it keeps such requests apart from server errors in the metrics.
const statusClientClosedRequest = 499

// Retry-After values, in seconds: a pool timeout clears as soon as requests finish; a
// database that is down takes longer.
const (
	retryAfterPoolTimeout = "1"
	retryAfterUnavailable = "2"
)

// respondError is the one mapping from errors to HTTP responses. Messages of server-side
// failures are generic: the driver's text (addresses, SQL) goes to the log only.
func respondError(c *gin.Context, log *slog.Logger, err error) {
	status, code, message := http.StatusInternalServerError, "internal", "internal server error"
	var reqErr *requestError
	var notReady *notReadyError
	var decodeErr *request.Error
	var invalid *service.InvalidInputError
	switch {
	case errors.As(err, &reqErr):
		status, code, message = reqErr.status, reqErr.code, reqErr.message
	case errors.As(err, &notReady):
		status, code, message = http.StatusServiceUnavailable, notReady.code, notReady.message
		c.Header("Retry-After", retryAfterUnavailable)
	case errors.As(err, &decodeErr):
		status, code, message = decodeErr.Status, decodeErr.Code, decodeErr.Message
	case errors.As(err, &invalid):
		status, code, message = http.StatusUnprocessableEntity, "invalid_input", invalid.Error()
	case errors.Is(err, store.ErrNotFound):
		status, code, message = http.StatusNotFound, "not_found", err.Error()
	case errors.Is(err, store.ErrPoolTimeout):
		status, code, message = http.StatusServiceUnavailable, "pool_timeout", "no database connection became free in time; retry later"
		c.Header("Retry-After", retryAfterPoolTimeout)
	case errors.Is(err, store.ErrUnavailable):
		status, code, message = http.StatusServiceUnavailable, "database_unavailable", "the database is unavailable; retry later"
		c.Header("Retry-After", retryAfterUnavailable)
	case errors.Is(err, context.Canceled):
		status, code, message = statusClientClosedRequest, "client_closed_request", "the request was canceled"
	case errors.Is(err, context.DeadlineExceeded):
		status, code, message = http.StatusServiceUnavailable, "timeout", "the request timed out; retry later"
		c.Header("Retry-After", retryAfterPoolTimeout)
	}
	if status >= http.StatusInternalServerError && notReady == nil {
		log.Warn("request failed", "method", c.Request.Method, "route", c.FullPath(), "status", status, "error", err)
	}
	c.AbortWithStatusJSON(status, errorBody{Error: errorDetail{Code: code, Message: message}})
}
