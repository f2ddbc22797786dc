package service

import "fmt"

// InvalidInputError is a request that is well-formed but asks for something the service
// cannot do (HTTP 422).
type InvalidInputError struct {
	Field  string // the request field at fault, as the API spells it
	Reason string
}

func (e *InvalidInputError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

func invalid(field, format string, args ...any) error {
	return &InvalidInputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
