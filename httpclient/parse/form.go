package parse

import (
	"bytes"

	"golang.org/x/text/encoding"
)

// Form parses an application/x-www-form-urlencoded body into a collection.
// Pairs are separated by "&"; "+" and %20 are spaces; a key without "=" has
// the value ""; a key that repeats becomes an array ([]any) of its values in
// order; malformed %-escapes are kept as written; bracketed keys (a[b]=1)
// are not expanded. Decoded bytes are read as UTF-8, invalid bytes becoming
// U+FFFD. It never fails.
func Form(body []byte) map[string]any {
	return parseForm(body, nil)
}

// parseForm is Form with the decoded bytes read in enc (nil: UTF-8).
func parseForm(body []byte, enc encoding.Encoding) map[string]any {
	out := make(map[string]any)
	for pair := range bytes.SplitSeq(body, []byte("&")) {
		if len(pair) == 0 {
			continue
		}
		k, v, _ := bytes.Cut(pair, []byte("="))
		key, value := formText(k, enc), formText(v, enc)
		switch prev := out[key].(type) {
		case nil:
			out[key] = value
		case string:
			out[key] = []any{prev, value}
		case []any:
			out[key] = append(prev, value)
		}
	}
	return out
}

// formText unescapes one key or value and decodes it to UTF-8.
func formText(b []byte, enc encoding.Encoding) string {
	if bytes.ContainsAny(b, "+%") {
		out := make([]byte, 0, len(b))
		for i := 0; i < len(b); i++ {
			switch c := b[i]; {
			case c == '+':
				out = append(out, ' ')
			case c == '%' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
				out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
				i += 2
			default:
				out = append(out, c)
			}
		}
		b = out
	}
	if enc != nil {
		return string(decodeBytes(enc, b))
	}
	return validUTF8(b)
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex returns the value of a hexadecimal digit.
func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
