package iml

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reqflow/reqflow/bundle"
)

// ToText converts a value to text the way Make does when a value is mapped
// into a text field:
//
//	null                 ""
//	boolean              "true" / "false"
//	number               shortest JavaScript form: 3, 0.1, 1e+21
//	date                 ISO-8601 in UTC with milliseconds (2019-10-07T12:00:00.000Z)
//	buffer, file         the bytes read as UTF-8
//	array                the text of each item, joined with ", "
//	collection           JSON
func ToText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return formatJSNumber(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case json.Number:
		return string(x)
	case time.Time:
		return x.UTC().Format(bundle.DateLayout)
	case []byte:
		return string(x)
	case *bundle.File:
		if x == nil {
			return ""
		}
		return string(fileBytes(x))
	}
	switch x := v.(type) {
	case []any, map[string]any, []map[string]any, []string:
		var b strings.Builder
		writeText(&b, v)
		return b.String()
	case error:
		return x.Error()
	}
	return fmt.Sprint(v)
}

// writeText appends the text of v to b.
func writeText(b *strings.Builder, v any) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeText(b, e)
		}
	case map[string]any:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(bundle.ToJSON(x)); err != nil {
			return
		}
		b.Write(bytes.TrimRight(buf.Bytes(), "\n"))
	case []map[string]any, []string:
		writeText(b, toAnySlice(x))
	default:
		b.WriteString(ToText(v))
	}
}

// ToBool converts a value to a boolean by Make's type coercion rules (as
// documented for its white-label twin, Workfront Fusion): null is false;
// text is false when it is empty or exactly "false", true otherwise; every
// other value that exists is true — including the number 0, an empty array
// and an empty buffer.
func ToBool(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != "" && x != "false"
	}
	return true
}

// numberOf reports the value of an actual number (not text).
func numberOf(v any) (float64, bool) { return bundle.Number(v) }

// toNumber coerces a value to a number: numbers, text holding a number
// (surrounding spaces allowed), booleans (1/0) and null (0).
func toNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case nil:
		return 0, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		return parseJSNumber(x)
	case time.Time:
		return float64(x.UnixMilli()), true
	}
	return numberOf(v)
}

// parseJSNumber parses text as JavaScript's Number() would, except that
// empty text is not a number.
func parseJSNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		n, err := strconv.ParseUint(s[2:], 16, 64)
		return float64(n), err == nil
	}
	switch s {
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// formatJSNumber prints a number as JavaScript's String(n) does.
func formatJSNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	a := math.Abs(f)
	if a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + string(sign) + exp
}

// typeName names the IML type of a value for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "text"
	case float64, int, int64, json.Number:
		return "number"
	case time.Time:
		return "date"
	case []byte:
		return "buffer"
	case *bundle.File:
		return "file"
	case []any:
		return "array"
	case map[string]any:
		return "collection"
	}
	return "value"
}

// describeValue names a value's type, with a short excerpt of text and
// numbers: `text "x"`, `number 3`, `array`.
func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return "text " + excerpt(x)
	case float64, int, int64, json.Number:
		return "number " + ToText(x)
	case bool:
		return "boolean " + ToText(x)
	}
	return typeName(v)
}

// toDate coerces a value to a date: dates, text in ISO-8601 or one of the
// common layouts Make accepts (read in loc when it names no zone), and
// numbers as milliseconds since the Unix epoch.
func toDate(v any, loc *time.Location) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		return parseDateText(x, loc)
	case float64, int, int64, json.Number:
		f, _ := numberOf(x)
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 8.64e15 {
			return time.Time{}, false
		}
		return time.UnixMilli(int64(f)).UTC(), true
	}
	return time.Time{}, false
}

// validUTF8 replaces invalid bytes so that text results are valid UTF-8.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// ToNumber converts a value to a number by Make's coercion rules: numbers
// as they are, text holding a number (surrounding spaces allowed; also hex
// 0x…, Infinity). Everything else — null, booleans, dates, arrays — is not
// a number and reports false.
func ToNumber(v any) (float64, bool) {
	if s, ok := v.(string); ok {
		return parseJSNumber(s)
	}
	return numberOf(v)
}

// ToDate converts a value to a date by Make's coercion rules: dates as they
// are; text in ISO-8601 or one of the layouts Make documents (2016-06-20
// 19:26:44 GMT+02:00, 2016/06/20 5:26 PM, 06/20/2016, 20.6.2016 17:26…),
// read in loc (nil means UTC) when it names no zone; numbers as
// milliseconds since the Unix epoch. It reports false for anything else.
func ToDate(v any, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	return toDate(v, loc)
}
