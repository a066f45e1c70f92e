package httpclient

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"sync"
)

// Response header order. net/http parses a response head into an
// http.Header, a map, so the order in which the server sent its header
// fields is lost. Make's Retrieve Headers lists them in received order, so
// the connection wrapper (orderedConn, see order.go) also records the raw
// bytes of each response head it reads: when the transport hands the
// connection to a request (httptrace GotConn), recording starts; every byte
// read afterwards is kept until an empty line ends a head whose status is
// not 1xx (interim 100 Continue or 103 Early Hints heads are skipped). The
// request that owns the connection then parses that head into
// StreamResponse.HeaderOrder. At most maxRecordedHead bytes are kept (the
// transport's own limit on a response head is 1 MiB too); a head that does
// not fit, or that does not match the parsed response, falls back to the
// header map in name order.

// maxRecordedHead bounds the bytes kept while recording a response head.
const maxRecordedHead = 1 << 20

// headRecorder captures the next response head read from a connection.
type headRecorder struct {
	mu        sync.Mutex
	recording bool
	buf       []byte
	head      []byte
}

// start begins recording the next response head.
func (r *headRecorder) start() {
	r.mu.Lock()
	r.recording = true
	r.buf = r.buf[:0]
	r.head = nil
	r.mu.Unlock()
}

// record looks at bytes read from the connection.
func (r *headRecorder) record(p []byte) {
	if len(p) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.recording {
		return
	}
	r.buf = append(r.buf, p...)
	for {
		end := bytes.Index(r.buf, []byte("\r\n\r\n"))
		if end < 0 {
			if len(r.buf) > maxRecordedHead {
				r.recording, r.buf = false, nil
			}
			return
		}
		head := r.buf[:end+2]
		if isInterim(head) {
			r.buf = append(r.buf[:0], r.buf[end+4:]...)
			continue
		}
		r.head = append([]byte(nil), head...)
		r.recording = false
		r.buf = r.buf[:0]
		return
	}
}

// recorded returns the last complete response head.
func (r *headRecorder) recorded() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.head
}

// isInterim reports whether a head's status line is 1xx.
func isInterim(head []byte) bool {
	code, ok := statusOf(head)
	return ok && code >= 100 && code < 200
}

// statusOf reads the status code of "HTTP/1.x NNN reason".
func statusOf(head []byte) (int, bool) {
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	_, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok || len(rest) < 3 {
		return 0, false
	}
	code, err := strconv.Atoi(string(rest[:3]))
	return code, err == nil
}

// Read reads from the connection, recording a response head when asked.
func (c *orderedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.head.record(p[:n])
	return n, err
}

// parseHead splits a response head (status line and header lines, each
// ending in CRLF) into its header fields in order. Obsolete line folding is
// joined with a space, as net/http does. It reports false for a head that
// does not parse.
func parseHead(head []byte) ([]Header, bool) {
	_, rest, ok := bytes.Cut(head, []byte("\r\n"))
	if !ok {
		return nil, false
	}
	var out []Header
	for len(rest) > 0 {
		line, next, ok := bytes.Cut(rest, []byte("\r\n"))
		if !ok {
			return nil, false
		}
		rest = next
		if line[0] == ' ' || line[0] == '\t' {
			if len(out) == 0 {
				return nil, false
			}
			last := &out[len(out)-1]
			last.Value = string(bytes.TrimSpace([]byte(last.Value + " " + string(bytes.TrimSpace(line)))))
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 {
			return nil, false
		}
		out = append(out, Header{Name: string(name), Value: string(bytes.Trim(value, " \t"))})
	}
	return out, true
}

// receivedHeaders returns the final response's header fields in received
// order, or, when the raw head is not available or does not match resp,
// the fields of resp.Header sorted by name.
func (x *exchange) receivedHeaders(resp *http.Response) []Header {
	if x.conn != nil {
		head := x.conn.head.recorded()
		if code, ok := statusOf(head); ok && code == resp.StatusCode {
			if hs, ok := parseHead(head); ok && sameFields(hs, resp.Header) {
				return hs
			}
		}
	}
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Header
	for _, name := range names {
		for _, v := range resp.Header[name] {
			out = append(out, Header{Name: name, Value: v})
		}
	}
	return out
}

// sameFields reports whether hs holds as many values per name as h, a
// cheap check that the recorded head is the one net/http parsed.
func sameFields(hs []Header, h http.Header) bool {
	count := make(map[string]int, len(h))
	for _, f := range hs {
		count[http.CanonicalHeaderKey(f.Name)]++
	}
	for name, vs := range h {
		if count[name] != len(vs) {
			return false
		}
	}
	return true
}
