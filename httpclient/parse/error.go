package parse

import (
	"fmt"
	"unicode/utf8"
)

// MaxDepth is how deeply JSON values and XML elements may nest. Deeper
// documents are rejected with [ErrTooDeep] rather than risking the stack or
// the time of the whole execution.
const MaxDepth = 1000

// ErrTooDeep is the cause of an [Error] for a document nested deeper than
// [MaxDepth].
var ErrTooDeep = fmt.Errorf("nesting deeper than %d levels", MaxDepth)

// maxErrText bounds the cause's text in Error.Error, so that a message never
// carries more than a short piece of the body (an element name, an entity).
const maxErrText = 120

// Error is a response body that could not be parsed as the format its
// Content-Type announced.
type Error struct {
	// Format is "JSON" or "XML".
	Format string
	// Offset is the byte offset in the body at which the error was found.
	// For text converted from another charset it counts bytes of the
	// converted UTF-8 text.
	Offset int64
	// Err is the cause: a *json.SyntaxError, *xml.SyntaxError, ErrTooDeep or
	// an error describing the problem.
	Err error
}

// Error returns text like
// "parsing JSON response: invalid character 'x' looking for beginning of value at offset 12".
func (e *Error) Error() string {
	cause := "unknown error"
	if e.Err != nil {
		cause = shorten(e.Err.Error(), maxErrText)
	}
	return fmt.Sprintf("parsing %s response: %s at offset %d", e.Format, cause, e.Offset)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// shorten cuts s to at most n bytes on a rune boundary, marking the cut
// with "…".
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// errorf builds an *Error with a formatted cause.
func errorf(format string, offset int64, msg string, args ...any) *Error {
	return &Error{Format: format, Offset: offset, Err: fmt.Errorf(msg, args...)}
}
