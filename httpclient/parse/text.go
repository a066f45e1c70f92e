package parse

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// sniffLen is how much of a body is searched for an XML declaration or an
// HTML <meta> naming the charset, as browsers do.
const sniffLen = 1024

// Text decodes a text body to a UTF-8 string. The charset comes from, in
// order: a byte order mark (UTF-8, UTF-16LE, UTF-16BE; it is removed), the
// Content-Type charset parameter, an XML declaration's encoding, an HTML
// <meta charset> or <meta http-equiv="Content-Type"> within the first 1024
// bytes (for text/html, application/xhtml+xml and unlabelled bodies), and
// finally UTF-8. Unknown charset labels are skipped. Bytes that are invalid
// in the charset become U+FFFD; the error is reserved for failures of the
// decoder itself and does not happen with the encodings in use.
func Text(contentType string, body []byte) (string, error) {
	enc, n := bomEncoding(body)
	body = body[n:]
	if n == 0 {
		enc = textEncoding(contentType, body)
	}
	if enc == nil {
		return validUTF8(body), nil
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return "", fmt.Errorf("decoding text body: %w", err)
	}
	return string(out), nil
}

// textEncoding finds the encoding of a body without a byte order mark from
// its Content-Type and content; nil means UTF-8.
func textEncoding(contentType string, body []byte) encoding.Encoding {
	mt, params := mediaType(contentType)
	if enc, ok := lookup(params["charset"]); ok {
		return enc
	}
	if label := xmlDeclEncoding(body); !isUTF16Label(label) {
		if enc, ok := lookup(label); ok {
			return enc
		}
	}
	if mt == "text/html" || mt == "application/xhtml+xml" || mt == "" {
		if enc, ok := lookup(metaCharset(body)); ok {
			return enc
		}
	}
	return nil
}

// lookup finds a WHATWG encoding label. It returns ok=false for an empty or
// unknown label, and a nil encoding with ok=true for UTF-8.
func lookup(label string) (encoding.Encoding, bool) {
	if label == "" {
		return nil, false
	}
	enc, name := charset.Lookup(label)
	if enc == nil {
		return nil, false
	}
	if name == "utf-8" {
		return nil, true
	}
	return enc, true
}

// bomEncoding returns the encoding announced by a byte order mark at the
// start of body and the mark's length; for UTF-8 the encoding is nil and the
// length 3. Without a mark it returns nil, 0.
func bomEncoding(body []byte) (encoding.Encoding, int) {
	switch {
	case bytes.HasPrefix(body, utf8BOM):
		return nil, len(utf8BOM)
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2
	}
	return nil, 0
}

// decodeBytes converts text in enc to UTF-8. The decoders in use replace
// invalid input instead of failing; should one fail, the input is kept as
// UTF-8 with invalid bytes replaced.
func decodeBytes(enc encoding.Encoding, b []byte) []byte {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return []byte(validUTF8(b))
	}
	return out
}

// validUTF8 returns b as a string with every invalid byte replaced by
// U+FFFD.
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			sb.WriteRune(utf8.RuneError)
		} else {
			sb.Write(b[:size])
		}
		b = b[size:]
	}
	return sb.String()
}

// xmlDeclEncoding returns the encoding named by an XML declaration at the
// start of body (after optional whitespace), or "".
func xmlDeclEncoding(body []byte) string {
	head := bytes.TrimLeft(body[:min(len(body), sniffLen)], " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) || len(head) < 6 || !isXMLSpace(head[5]) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(head[5:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	value, _, ok := strings.Cut(rest[1:], rest[:1])
	if !ok {
		return ""
	}
	return value
}

// isXMLSpace reports whether c is XML whitespace.
func isXMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// metaCharset returns the charset named by the first HTML <meta charset> or
// <meta http-equiv="Content-Type" content="…; charset=…"> within the first
// 1024 bytes of body, or "". A UTF-16 label means UTF-8, as in the HTML
// standard (the body could not have been parsed otherwise).
func metaCharset(body []byte) string {
	z := html.NewTokenizer(bytes.NewReader(body[:min(len(body), sniffLen)]))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "meta" {
				continue
			}
			var label, content string
			pragma := false
			for hasAttr {
				var key, val []byte
				key, val, hasAttr = z.TagAttr()
				switch string(key) {
				case "charset":
					label = string(val)
				case "http-equiv":
					pragma = strings.EqualFold(string(val), "content-type")
				case "content":
					content = string(val)
				}
			}
			if label == "" && pragma {
				if _, params, err := mime.ParseMediaType(content); err == nil {
					label = params["charset"]
				}
			}
			if label = strings.TrimSpace(label); label != "" {
				if isUTF16Label(label) {
					return "utf-8"
				}
				return label
			}
		}
	}
}
