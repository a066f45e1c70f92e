package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// errJSONEnd is the cause of an Error for a JSON document that stops early.
var errJSONEnd = errors.New("unexpected end of JSON input")

// JSON parses one JSON document into a bundle value: objects become
// map[string]any, arrays []any, numbers json.Number (exact), strings, bools
// and null as themselves. A leading UTF-8 byte order mark is skipped;
// anything but whitespace after the value is an error, and so is an empty
// document. Errors are *[Error] with Format "JSON"; Offset counts the bytes
// read up to and including the offending one, as encoding/json reports it.
func JSON(body []byte) (any, error) {
	skip := 0
	if bytes.HasPrefix(body, utf8BOM) {
		skip = len(utf8BOM)
	}
	doc := body[skip:]
	if off := jsonTooDeep(doc); off >= 0 {
		return nil, &Error{Format: "JSON", Offset: int64(skip + off + 1), Err: ErrTooDeep}
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return nil, &Error{Format: "JSON", Offset: int64(skip) + se.Offset, Err: se}
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, &Error{Format: "JSON", Offset: int64(len(body)), Err: errJSONEnd}
		default:
			return nil, &Error{Format: "JSON", Offset: int64(skip) + dec.InputOffset(), Err: err}
		}
	}
	end := int(dec.InputOffset())
	for end < len(doc) && isJSONSpace(doc[end]) {
		end++
	}
	if end < len(doc) {
		return nil, errorf("JSON", int64(skip+end+1), "invalid character %s after top-level value", quoteByte(doc[end]))
	}
	return v, nil
}

// jsonBody parses a JSON response body, converting it to UTF-8 first when
// a UTF-16 byte order mark starts it or, without a byte order mark, the
// Content-Type names another charset.
func jsonBody(params map[string]string, body []byte) (any, error) {
	enc, n := bomEncoding(body)
	switch {
	case n == len(utf8BOM):
		return JSON(body)
	case n > 0:
		body = body[n:]
	default:
		enc, _ = lookup(params["charset"])
	}
	if enc != nil {
		body = decodeBytes(enc, body)
	}
	return JSON(body)
}

// jsonTooDeep returns the offset of the first '[' or '{' that opens a level
// deeper than MaxDepth, or -1. Brackets inside strings do not count.
func jsonTooDeep(doc []byte) int {
	depth := 0
	inString, escaped := false, false
	for i, c := range doc {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > MaxDepth {
				return i
			}
		case ']', '}':
			depth--
		}
	}
	return -1
}

// isJSONSpace reports whether c is JSON insignificant whitespace.
func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// quoteByte formats a byte the way encoding/json names an invalid
// character: 'x', '\”, '\x01'.
func quoteByte(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}
