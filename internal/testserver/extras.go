package testserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Exact bodies and headers of the extra endpoints, for tests that assert
// what a client received.
const (
	// XMLDocument is the body of GET /reqflow/xml (Content-Type
	// "application/xml; charset=utf-8"): repeated elements, attributes, text
	// beside attributes, an empty element, non-ASCII text and CDATA.
	XMLDocument = `<?xml version="1.0" encoding="UTF-8"?>
<catalog updated="2024-05-01">
  <book id="bk101" lang="en">
    <title>XML Developer's Guide</title>
    <author>Gambardella, Matthew</author>
    <price currency="EUR">44.95</price>
    <tag>xml</tag>
    <tag>guide</tag>
  </book>
  <book id="bk102" lang="de">
    <title>Grüße aus Köln</title>
    <author>Müller, Jürgen</author>
    <price currency="EUR">5.95</price>
    <tag/>
  </book>
  <note><![CDATA[a < b & c]]></note>
</catalog>
`

	// LoginSession is the value of the session cookie /reqflow/login sets.
	LoginSession = "reqflow-session-42"
	// LoginSetCookie is the Set-Cookie header /reqflow/login sends with its
	// 302 to /cookies.
	LoginSetCookie = "session=" + LoginSession + "; Path=/; HttpOnly"

	// RelativeLocation is the Location of /reqflow/redirect/relative: a
	// path-relative reference that resolves to /anything/relative?from=reqflow.
	RelativeLocation = "../../anything/relative?from=reqflow"
	// NonASCIILocation is the Location of /reqflow/redirect/non-ascii, sent as
	// raw UTF-8 bytes, as some servers do. A client should request
	// /anything/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC.
	NonASCIILocation = "/anything/café/日本?q=ü"

	// StallHead is the part of /reqflow/stall's body sent before the pause.
	StallHead = "first half of the body, then a pause...\n"
	// StallTail is the part of /reqflow/stall's body sent after the pause.
	StallTail = "...and the second half.\n"

	// TruncatedBody is what /reqflow/truncated sends before it closes the
	// connection, although its Content-Length says TruncatedLength.
	TruncatedBody = "this body is shorter than its Content-Length says\n"
	// TruncatedLength is the Content-Length /reqflow/truncated declares.
	TruncatedLength = 100
	// TruncatedResponse is the exact bytes /reqflow/truncated writes on the
	// connection before closing it.
	TruncatedResponse = "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: 100\r\n" +
		"Connection: close\r\n" +
		"\r\n" +
		TruncatedBody

	// EncodedBody is what every /reqflow/encoding/{name} body decodes to
	// (Content-Type "application/json").
	EncodedBody = `{"compressed":true,"text":"Grüße – the same body in every encoding"}` + "\n"

	// DefaultRetryAfter is the Retry-After of /reqflow/ratelimit unless the
	// request asks for another with ?after=.
	DefaultRetryAfter = "7"
	// MaxRetryAfter is the largest number of seconds ?after= accepts.
	MaxRetryAfter = 86400
)

// manyCookies are the Set-Cookie headers of /reqflow/cookies/many, in order.
var manyCookies = []string{
	"theme=dark; Path=/",
	"lang=en-US; Path=/; Max-Age=3600",
	"session=abc123; Path=/; HttpOnly; SameSite=Lax",
	"prefs=a%3Db; Path=/reqflow; Expires=Wed, 01 Jan 2042 00:00:00 GMT",
	"tracking=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
}

// ManyCookies returns the Set-Cookie headers /reqflow/cookies/many sends, in
// order: four cookies with various attributes and one deletion.
func ManyCookies() []string { return append([]string(nil), manyCookies...) }

// extras serves reqflow's endpoints under Prefix.
type extras struct {
	cfg    config
	bombs  *bombCache
	flakes flakyCounter
}

// endpoint describes one extra endpoint for the index page.
type endpoint struct {
	pattern string
	doc     string
	handler http.HandlerFunc
}

func (x *extras) endpoints() []endpoint {
	return []endpoint{
		{"GET " + Prefix + "/{$}", "this list", x.index},
		{"GET " + Prefix + "/xml", "an XML document (attributes, repeated elements, CDATA, non-ASCII)", x.xml},
		{"GET " + Prefix + "/charset/{name}", "text in iso-8859-15, windows-1252, shift_jis or utf-8; ?declare=header|meta|xml|none says where the charset is declared", x.charset},
		{Prefix + "/login", "302 to /cookies that sets the cookie session=" + LoginSession, x.login},
		{Prefix + "/redirect/relative", "302 to the path-relative " + RelativeLocation, x.redirectRelative},
		{Prefix + "/redirect/non-ascii", "302 to a Location with raw UTF-8 bytes", x.redirectNonASCII},
		{"GET " + Prefix + "/stall", "sends half the body, pauses (?duration=1.5s or ?duration=2 seconds), sends the rest", x.stall},
		{"GET " + Prefix + "/truncated", "a body shorter than its Content-Length, then the connection closes", x.truncated},
		{"GET " + Prefix + "/encoding/{name}", "the same JSON body encoded with gzip, deflate (zlib), deflate-raw, br or zstd", x.encoding},
		{"GET " + Prefix + "/bomb/{name}", "a decompression bomb: ?size=N zero bytes (default 1 GiB) encoded with gzip, deflate, deflate-raw or zstd", x.bomb},
		{"POST " + Prefix + "/multipart", "echoes each multipart part: name, filename, content type, size, SHA-256", x.multipart},
		{"PUT " + Prefix + "/multipart", "same as POST", x.multipart},
		{"PATCH " + Prefix + "/multipart", "same as POST", x.multipart},
		{"GET " + Prefix + "/json/{name}", "JSON edge cases: bigint (integers beyond 2^53), bom (a UTF-8 byte order mark first)", x.json},
		{"GET " + Prefix + "/file/{name}", "a download named {name} (Content-Disposition with filename*), ?size=N bytes (default 1000), ?type=, ?disposition=none", x.file},
		{"POST " + Prefix + "/upload", "reads any body (up to 64 GiB, no timeout) and reports its size and SHA-256", x.upload},
		{"PUT " + Prefix + "/upload", "same as POST", x.upload},
		{"GET " + Prefix + "/cookies/many", "several Set-Cookie headers in one response", x.cookiesMany},
		{Prefix + "/flaky/{key}", "fails the first ?fail=N (2) requests per key with ?status= (503, with Retry-After: ?after=), then 200", x.flaky},
		{Prefix + "/ratelimit", "429 with Retry-After (?after=SECONDS or an HTTP date)", x.ratelimit},
	}
}

func (x *extras) register(mux *http.ServeMux) {
	for _, e := range x.endpoints() {
		mux.HandleFunc(e.pattern, e.handler)
	}
}

func (x *extras) index(w http.ResponseWriter, _ *http.Request) {
	var b strings.Builder
	b.WriteString("reqflow test server: every httpbin endpoint (see /), plus:\n\n")
	for _, e := range x.endpoints() {
		pattern := e.pattern
		if strings.HasPrefix(pattern, "/") {
			pattern = "ANY " + pattern
		}
		fmt.Fprintf(&b, "%-34s %s\n", pattern, e.doc)
	}
	writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()))
}

func (x *extras) xml(w http.ResponseWriter, _ *http.Request) {
	writeBody(w, http.StatusOK, "application/xml; charset=utf-8", []byte(XMLDocument))
}

func (x *extras) login(w http.ResponseWriter, _ *http.Request) {
	w.Header().Add("Set-Cookie", LoginSetCookie)
	w.Header().Set("Location", "/cookies")
	w.WriteHeader(http.StatusFound)
}

func (x *extras) redirectRelative(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Location", RelativeLocation)
	w.WriteHeader(http.StatusFound)
}

func (x *extras) redirectNonASCII(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Location", NonASCIILocation)
	w.WriteHeader(http.StatusFound)
}

// stall writes StallHead, flushes, waits, then writes StallTail. The write
// deadline of the server is lifted for this response only.
func (x *extras) stall(w http.ResponseWriter, r *http.Request) {
	d := x.cfg.stall
	if v := r.URL.Query().Get("duration"); v != "" {
		parsed, err := parseStall(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		d = parsed
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(StallHead)+len(StallTail)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(StallHead))
	_ = rc.Flush()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-r.Context().Done():
		return
	case <-timer.C:
	}
	_, _ = w.Write([]byte(StallTail))
}

// parseStall reads ?duration=: a Go duration ("1.5s", "200ms") or a whole
// number of seconds ("2").
func parseStall(v string) (time.Duration, error) {
	var d time.Duration
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		d = time.Duration(n) * time.Second
	} else {
		d, err = time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("query parameter duration: %q is neither a number of seconds nor a duration like 1.5s", v)
		}
	}
	if d < 0 || d > MaxStall {
		return 0, fmt.Errorf("query parameter duration: %q is outside 0s to %s", v, MaxStall)
	}
	return d, nil
}

// truncated writes TruncatedResponse on the raw connection and closes it.
func (x *extras) truncated(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("taking over the connection: %w", err))
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString(TruncatedResponse)
	_ = buf.Flush()
}

func (x *extras) cookiesMany(w http.ResponseWriter, _ *http.Request) {
	for _, c := range manyCookies {
		w.Header().Add("Set-Cookie", c)
	}
	writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte("5 cookies set\n"))
}

func (x *extras) ratelimit(w http.ResponseWriter, r *http.Request) {
	after := DefaultRetryAfter
	if v := r.URL.Query().Get("after"); v != "" {
		if err := checkRetryAfter(v); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		after = v
	}
	w.Header().Set("Retry-After", after)
	body := map[string]any{"error": "Too Many Requests", "retryAfter": after}
	writeJSON(w, http.StatusTooManyRequests, body)
}

// checkRetryAfter accepts ?after= when it is a Retry-After value: a number
// of seconds up to MaxRetryAfter, or an HTTP date.
func checkRetryAfter(v string) error {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		if n > MaxRetryAfter {
			return fmt.Errorf("query parameter after: %d seconds is more than %d", n, MaxRetryAfter)
		}
		return nil
	}
	if _, err := http.ParseTime(v); err != nil {
		return fmt.Errorf("query parameter after: %q is neither a number of seconds nor an HTTP date", v)
	}
	return nil
}

// writeBody writes a complete response with a Content-Length.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeJSON writes v as indented JSON, without HTML escaping.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeBody(w, status, "application/json; charset=utf-8", body)
}

// encodeJSON encodes v indented by two spaces, without HTML escaping, with a
// final newline (the layout of httpbin's own responses).
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding the response: %w", err)
	}
	return buf.Bytes(), nil
}

// errorBody is the JSON body of every error response of the extras.
type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// writeError writes {"error": "…", "status": N} with the given status, or
// 413 when err says the request body was too large.
func writeError(w http.ResponseWriter, status int, err error) {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		status = http.StatusRequestEntityTooLarge
	}
	body, encErr := encodeJSON(errorBody{Error: err.Error(), Status: status})
	if encErr != nil { // cannot happen: two plain fields
		body = []byte("{}\n")
	}
	writeBody(w, status, "application/json; charset=utf-8", body)
}
