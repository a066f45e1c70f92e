package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/iml"
)

// Fields reads typed values out of an evaluated mapper, coercing the way
// Make does (booleans written as "true", numbers written as text, "" for
// unset) and collecting one error per bad field, each naming the field.
type Fields struct {
	m    map[string]any
	errs []error
}

// NewFields returns a reader over m.
func NewFields(m map[string]any) *Fields { return &Fields{m: m} }

// FieldError is a bad value in a named field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Msg) }

func (f *Fields) fail(name, format string, args ...any) {
	f.errs = append(f.errs, &FieldError{Field: name, Msg: fmt.Sprintf(format, args...)})
}

// Fail records an error for a field, for checks the typed readers do not
// cover.
func (f *Fields) Fail(name, msg string) {
	f.errs = append(f.errs, &FieldError{Field: name, Msg: msg})
}

// Err returns the collected errors, or nil. Several errors read as one
// line, separated by "; ".
func (f *Fields) Err() error {
	switch len(f.errs) {
	case 0:
		return nil
	case 1:
		return f.errs[0]
	}
	return fieldErrors(f.errs)
}

// fieldErrors is several field errors reported together.
type fieldErrors []error

func (e fieldErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns the individual errors.
func (e fieldErrors) Unwrap() []error { return e }

// Has reports whether the field is present and set (not null, not "").
func (f *Fields) Has(name string) bool {
	v, ok := f.m[name]
	if !ok || v == nil {
		return false
	}
	if s, ok := v.(string); ok && s == "" {
		return false
	}
	return true
}

// Value returns the raw value of a field.
func (f *Fields) Value(name string) any { return f.m[name] }

// Text returns a field as text ("" when unset).
func (f *Fields) Text(name string) string {
	v := f.m[name]
	if v == nil {
		return ""
	}
	return iml.ToText(v)
}

// Bool returns a boolean field; def when unset.
func (f *Fields) Bool(name string, def bool) bool {
	v, ok := f.m[name]
	if !ok || v == nil {
		return def
	}
	switch x := v.(type) {
	case bool:
		return x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "":
			return def
		case "true", "1", "yes", "on":
			return true
		case "false", "0", "no", "off":
			return false
		}
		f.fail(name, "expected a boolean, got %q", x)
		return def
	}
	if n, ok := bundle.Number(v); ok {
		return n != 0
	}
	f.fail(name, "expected a boolean, got %s", describe(v))
	return def
}

// Int returns a whole-number field within [lo, hi]; def when unset.
func (f *Fields) Int(name string, def, lo, hi int) int {
	v, ok := f.m[name]
	if !ok || v == nil {
		return def
	}
	var n float64
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return def
		}
		p, err := strconv.ParseFloat(s, 64)
		if err != nil {
			f.fail(name, "expected a number, got %q", x)
			return def
		}
		n = p
	default:
		p, ok := bundle.Number(v)
		if !ok {
			f.fail(name, "expected a number, got %s", describe(v))
			return def
		}
		n = p
	}
	if n != math.Trunc(n) {
		f.fail(name, "expected a whole number, got %v", n)
		return def
	}
	if n < float64(lo) || n > float64(hi) {
		f.fail(name, "must be between %d and %d, got %v", lo, hi, n)
		return def
	}
	return int(n)
}

// Items returns an array-of-collections field such as headers or qs
// ([{name, value}]). Unset yields nil; a non-collection item is an error.
func (f *Fields) Items(name string) []map[string]any {
	v, ok := f.m[name]
	if !ok || v == nil {
		return nil
	}
	if s, ok := v.(string); ok && s == "" {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		if m, isMap := v.(map[string]any); isMap {
			return []map[string]any{m}
		}
		f.fail(name, "expected a list, got %s", describe(v))
		return nil
	}
	out := make([]map[string]any, 0, len(list))
	for i, item := range list {
		if item == nil {
			continue
		}
		m, ok := item.(map[string]any)
		if !ok {
			f.fail(fmt.Sprintf("%s[%d]", name, i+1), "expected a collection, got %s", describe(item))
			continue
		}
		out = append(out, m)
	}
	return out
}

// OneOf returns a text field that must be one of options (compared case
// insensitively, returned lower case); def when unset.
func (f *Fields) OneOf(name, def string, options ...string) string {
	s := strings.TrimSpace(f.Text(name))
	if s == "" {
		return def
	}
	for _, o := range options {
		if strings.EqualFold(s, o) {
			return o
		}
	}
	f.fail(name, "expected one of %s, got %q", strings.Join(options, ", "), s)
	return def
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case json.Number:
		return "number " + string(x)
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("text %q", x)
	case []any:
		return "an array"
	case map[string]any:
		return "a collection"
	case []byte:
		return "binary data"
	case *bundle.File:
		return "a file"
	}
	if n, ok := bundle.Number(v); ok {
		return fmt.Sprintf("number %v", n)
	}
	return fmt.Sprintf("%T", v)
}
