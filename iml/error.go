package iml

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a syntax or evaluation error in a formula. Line and Col are the
// 1-based position in the source string (Col counts characters, not bytes).
type Error struct {
	// Line is the 1-based line of the error in the source string.
	Line int
	// Col is the 1-based column (in characters) of the error.
	Col int
	// Func names the function whose evaluation failed; "" for syntax errors
	// and operator errors.
	Func string
	// Msg describes the problem.
	Msg string
	// Err is the underlying cause, if any.
	Err error
}

// Error formats the error as `line 1, col 3: substring: argument 2: …`.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d, col %d: ", e.Line, e.Col)
	if e.Func != "" {
		b.WriteString(e.Func)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// position converts a byte offset in src to a 1-based line and column.
func position(src string, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	line, col = 1, 1
	for _, r := range src[:off] {
		if r == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}

// newError builds an *Error at byte offset off of src.
func newError(src string, off int, fn, msg string, err error) *Error {
	line, col := position(src, off)
	return &Error{Line: line, Col: col, Func: fn, Msg: msg, Err: err}
}

// excerpt quotes a text value for an error message, shortened so that errors
// never carry long (and possibly secret) data.
func excerpt(s string) string {
	const max = 24
	if utf8.RuneCountInString(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	n := 0
	for i := range s {
		if n == max {
			return fmt.Sprintf("%q…", s[:i])
		}
		n++
	}
	return fmt.Sprintf("%q", s)
}
