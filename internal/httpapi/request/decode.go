package request

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// Error is a request the server cannot read: Status is 400 or 413, Code a stable
// machine-readable name, Message a sentence for the client.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Decode reads one JSON object from r's body into dst. w lets http.MaxBytesReader tell
// the server to close a connection whose body was too large.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if r.ContentLength > MaxBodyBytes {
		return tooLarge()
	}
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	defer body.Close()
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return describe(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooLarge()
		}
		return badRequest("malformed_json", "the body must hold a single JSON object")
	}
	return nil
}

func describe(err error) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return tooLarge()
	case errors.Is(err, io.EOF):
		return badRequest("malformed_json", "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed_json", "the JSON body ends too early")
	case errors.As(err, &syntaxErr):
		return badRequest("malformed_json", fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr))
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return badRequest("malformed_json", fmt.Sprintf("the body must be a JSON object, not %s", typeErr.Value))
		}
		return badRequest("invalid_type", fmt.Sprintf("field %q must be %s, not %s", typeErr.Field, kindOf(typeErr.Type.Kind().String()), typeErr.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for this; its message is stable and quoted.
		return badRequest("unknown_field", "unknown field "+strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest("malformed_json", "malformed JSON: "+err.Error())
}

func kindOf(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64", "int32":
		return "an integer"
	case "bool":
		return "a boolean"
	}
	return "a " + goKind
}

func badRequest(code, message string) error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: message}
}

func tooLarge() error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
		Message: fmt.Sprintf("the request body exceeds %d bytes", MaxBodyBytes)}
}
