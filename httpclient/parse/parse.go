// Package parse turns HTTP response bodies into bundle values, as the
// "Parse response" option of Make's HTTP modules does.
//
// [Body] is the entry point: given the response's Content-Type and its
// decoded (decompressed) body it returns one of the bundle value types
// (see package bundle). The decisions below are Make's where Make's behaviour
// is known, and documented choices where it is not.
//
// # Which format
//
// The format is chosen by the Content-Type media type only, never by
// looking at a body that is labelled otherwise ([KindOf]):
//
//	application/json, */*+json                     → JSON   (parsed when parse is on)
//	application/xml, text/xml, */*+xml             → XML    (parsed when parse is on)
//	application/x-www-form-urlencoded              → form   (parsed when parse is on)
//	text/*, application/javascript, …, or any type
//	with a charset parameter                       → text   (string)
//	image/*, audio/*, video/*, font/*,
//	application/octet-stream, application/pdf, …   → binary ([]byte)
//	missing or other types                         → sniffed: text or binary
//
// JSON labelled text/plain stays a string: Make dispatches on the
// Content-Type, and a scenario written against Make maps such a body
// through a separate "Parse JSON" step. Likewise a body without a
// Content-Type is never parsed, only sniffed as text or binary (with
// [net/http.DetectContentType]).
//
// # Empty bodies
//
// An empty body yields "" whatever the Content-Type and whether parsing is on,
// so a 204, a HEAD response or an empty 404 labelled application/json is never
// a parse error. With parsing on, a JSON, XML or form body made only of
// whitespace (after an optional UTF-8 byte order mark) is empty too.
//
// # JSON
//
// Objects become map[string]any, arrays []any, numbers [encoding/json.Number]
// holding the literal text, so 12345678901234567890123 stays exact (Make
// itself rounds such numbers to JavaScript doubles; reqflow does not). A
// UTF-8 byte order mark is skipped. Anything but whitespace after the value is
// an error. A body labelled with another charset (charset=ISO-8859-1, or a
// UTF-16 byte order mark) is converted to UTF-8 first.
//
// # XML
//
// XML follows Make's "everything is an array" shape. The root element's name
// is the single top-level key; every child element becomes an array of its
// occurrences, in document order:
//
//	<rss version="2.0">
//	  <channel>
//	    <title>News</title>
//	    <atom:link href="https://example.com/feed" rel="self"/>
//	    <item><title>One</title></item>
//	    <item><title>Two</title><category/></item>
//	  </channel>
//	</rss>
//
// becomes
//
//	{"rss": {
//	  "_attributes": {"version": "2.0"},
//	  "channel": [{
//	    "title": ["News"],
//	    "atom:link": [{"_attributes": {"href": "https://example.com/feed", "rel": "self"}}],
//	    "item": [{"title": ["One"]}, {"title": ["Two"], "category": [""]}]
//	  }]
//	}}
//
// so the IML mapping {{1.data.rss.channel[].item[].title[]}} yields "One".
// In detail:
//
//   - The root's value is not wrapped in an array: {"data": {"text": ["Hello"]}}
//     for <data><text>Hello</text></data>. It follows the same rules as any
//     other element, so a text-only root <a>hi</a> is {"a": "hi"}.
//   - An element with neither attributes nor child elements is its text,
//     exactly as written (whitespace kept), or "" when it is empty:
//     <b/> and <b></b> are both "".
//   - An element with attributes or child elements is a collection: the
//     attributes under "_attributes" (a collection of strings), each child
//     element name under its own key, and the element's own text, with
//     leading and trailing whitespace removed, under "_value" when it is not
//     empty. Mixed content keeps the text pieces in order, concatenated:
//     <p>Hi <b>you</b>!</p> → {"b": ["you"], "_value": "Hi !"}.
//     A child element literally named _attributes or _value is overwritten.
//   - Names keep their namespace prefix as written ("atom:link",
//     "xmlns:atom"); namespace declarations are ordinary attributes.
//   - CDATA sections are text; comments, processing instructions and the
//     DOCTYPE are ignored. Entities are the five predefined ones, character
//     references, and the HTML entity names (&nbsp; &eacute; …) that real
//     feeds use without declaring them; any other entity is an error.
//   - Values stay text: <n>42</n> is "42", never the number 42.
//   - The encoding comes from a byte order mark, else the Content-Type
//     charset (it wins over the declaration, as RFC 7303 says), else the XML
//     declaration (<?xml version="1.0" encoding="ISO-8859-1"?>), else UTF-8. A
//     declaration of UTF-16 on a document without a byte order mark is
//     ignored (the bytes are evidently not UTF-16).
//   - The document must be well-formed: one root element, matching end
//     tags, quoted attributes, valid UTF-8 after decoding.
//
// # Forms
//
// application/x-www-form-urlencoded bodies become a collection of strings:
// "+" and %20 are spaces, a key without "=" has the value "", a key that
// repeats becomes an array of its values in order, malformed %-escapes are
// kept literally, and bracketed keys (a[b]=1) are not expanded.
//
// # Text
//
// [Text] decodes to UTF-8 using, in order: a byte order mark, the
// Content-Type charset parameter, the XML declaration, an HTML
// <meta charset> (for HTML and unlabelled bodies), else UTF-8. Labels follow
// the WHATWG Encoding Standard, so ISO-8859-1 is read as windows-1252.
// Invalid bytes become U+FFFD; decoding never fails.
//
// # Limits and errors
//
// JSON and XML nest at most [MaxDepth] levels. Parse failures are *[Error]
// values naming the format and the byte offset; their text never contains
// more of the body than the short token encoding/json or encoding/xml
// names (an unexpected character or element name, cut to a few dozen bytes).
package parse

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
)

// Kind is how a response body is treated: which parser applies, or whether
// it is text or binary.
type Kind int

// The kinds of response body.
const (
	// KindBinary is data returned as []byte.
	KindBinary Kind = iota
	// KindText is text returned as a string decoded to UTF-8.
	KindText
	// KindJSON is JSON: parsed when parsing is on, text otherwise.
	KindJSON
	// KindXML is XML: parsed when parsing is on, text otherwise.
	KindXML
	// KindForm is application/x-www-form-urlencoded: parsed when parsing
	// is on, text otherwise.
	KindForm
)

// String returns the kind's name: "binary", "text", "JSON", "XML" or "form".
func (k Kind) String() string {
	switch k {
	case KindText:
		return "text"
	case KindJSON:
		return "JSON"
	case KindXML:
		return "XML"
	case KindForm:
		return "form"
	default:
		return "binary"
	}
}

// Body turns a decoded (decompressed) response body into a bundle value.
//
// With parse on, JSON, XML and form bodies are parsed (see the package
// documentation for the shapes); other text becomes a string decoded from its
// charset to UTF-8, and binary data is returned as the body slice itself (not
// copied). With parse off, text is a string and binary data a []byte. An empty
// body is "" in every case. Parse failures are returned as *[Error].
func Body(contentType string, body []byte, parse bool) (any, error) {
	if len(body) == 0 {
		return "", nil
	}
	mt, params := mediaType(contentType)
	k := kindOf(mt, params, body)
	if parse && (k == KindJSON || k == KindXML || k == KindForm) {
		if isBlank(body) {
			return "", nil
		}
		switch k {
		case KindJSON:
			return jsonBody(params, body)
		case KindXML:
			return xmlBody(params, body)
		default:
			enc, _ := lookup(params["charset"])
			return parseForm(body, enc), nil
		}
	}
	if k == KindBinary {
		return body, nil
	}
	return Text(contentType, body)
}

// KindOf reports how a body with this Content-Type is treated. The body is
// looked at only when the Content-Type is missing or says neither text nor
// binary; then the first 512 bytes are sniffed.
func KindOf(contentType string, body []byte) Kind {
	mt, params := mediaType(contentType)
	return kindOf(mt, params, body)
}

// IsText reports whether a body with this Content-Type is text (including
// JSON, XML and forms), as opposed to binary data.
func IsText(contentType string, body []byte) bool {
	return KindOf(contentType, body) != KindBinary
}

// textTypes are application/* media types that are text.
var textTypes = map[string]bool{
	"application/javascript":   true,
	"application/x-javascript": true,
	"application/ecmascript":   true,
	"application/x-ndjson":     true,
	"application/jsonl":        true,
	"application/x-yaml":       true,
	"application/yaml":         true,
	"application/toml":         true,
	"application/graphql":      true,
	"application/sql":          true,
	"application/csv":          true,
	"application/x-sh":         true,
	"application/x-httpd-php":  true,
	"application/rtf":          true,
	"message/rfc822":           true,
	"message/http":             true,
}

// binaryTypes are application/* media types that are binary whatever
// their content.
var binaryTypes = map[string]bool{
	"application/octet-stream":    true,
	"application/pdf":             true,
	"application/zip":             true,
	"application/gzip":            true,
	"application/x-gzip":          true,
	"application/x-tar":           true,
	"application/x-7z-compressed": true,
	"application/x-protobuf":      true,
	"application/protobuf":        true,
	"application/msword":          true,
	"application/wasm":            true,
	"application/vnd.ms-excel":    true,
	"application/x-bzip2":         true,
	"application/zstd":            true,
}

// kindOf classifies a lower-case media type; see KindOf.
func kindOf(mt string, params map[string]string, body []byte) Kind {
	major, _, _ := strings.Cut(mt, "/")
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return KindJSON
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return KindXML
	case mt == "application/x-www-form-urlencoded":
		return KindForm
	case major == "text" || textTypes[mt]:
		return KindText
	case params["charset"] != "":
		return KindText
	case major == "image" || major == "audio" || major == "video" || major == "font" ||
		major == "model" || binaryTypes[mt] || strings.HasPrefix(mt, "application/vnd.openxmlformats"):
		return KindBinary
	}
	if len(body) == 0 || strings.HasPrefix(http.DetectContentType(body), "text/") {
		return KindText
	}
	return KindBinary
}

// mediaType returns the lower-case media type and parameters of a
// Content-Type, tolerating malformed parameters.
func mediaType(contentType string) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil && err != mime.ErrInvalidMediaParameter {
		before, _, _ := strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(before))
		if strings.Count(mt, "/") != 1 || strings.ContainsAny(mt, " \t\"") {
			mt = ""
		}
		params = nil
	}
	return mt, params
}

// utf8BOM is the UTF-8 byte order mark.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// isBlank reports whether body holds only an optional UTF-8 byte order mark
// and ASCII whitespace.
func isBlank(body []byte) bool {
	return len(bytes.TrimLeft(bytes.TrimPrefix(body, utf8BOM), " \t\r\n")) == 0
}
