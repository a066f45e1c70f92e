package engine

import (
	"errors"
	"fmt"
)

// ErrorType is the kind of a module error, named as Make names them so that
// error routes written for Make ({{N.error.type}}) keep working.
type ErrorType string

// The error types a module can fail with.
const (
	RuntimeError              ErrorType = "RuntimeError"
	DataError                 ErrorType = "DataError"
	ConnectionError           ErrorType = "ConnectionError"
	RateLimitError            ErrorType = "RateLimitError"
	ModuleTimeoutError        ErrorType = "ModuleTimeoutError"
	InvalidConfigurationError ErrorType = "InvalidConfigurationError"
	InvalidAccessTokenError   ErrorType = "InvalidAccessTokenError"
)

// Error is the error of one operation, as a user sees it and maps it in an
// error route: {{N.error.type}}, {{N.error.message}}.
type Error struct {
	// Type is Make's error type.
	Type ErrorType
	// Message is the user-facing text. For HTTP status errors it starts
	// with the status in brackets: "[404] Not Found".
	Message string
	// StatusCode is the HTTP status that caused the error, when one did.
	StatusCode int
	// RetryAfter is the Retry-After header of a rate-limited response.
	RetryAfter string
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string { return string(e.Type) + ": " + e.Message }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given type with a formatted message.
// A %w verb in format wraps its argument as the cause.
func Errorf(t ErrorType, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Type: t, Message: err.Error(), Err: errors.Unwrap(err)}
}

// AsError converts any error into an *Error; errors that are not typed
// become RuntimeError.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Type: RuntimeError, Message: err.Error(), Err: err}
}

// Bundle is how the error appears when mapped in an error route.
func (e *Error) Bundle() map[string]any {
	b := map[string]any{"type": string(e.Type), "message": e.Message}
	if e.StatusCode != 0 {
		b["statusCode"] = e.StatusCode
	}
	if e.RetryAfter != "" {
		b["retryAfter"] = e.RetryAfter
	}
	return b
}
