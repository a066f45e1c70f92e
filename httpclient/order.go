package httpclient

import (
	"bytes"
	"net"
	"sync"
)

// net/http writes request headers sorted by key, while Make (Node) sends
// them in the order the user gave. orderedConn restores that order: when the
// transport hands a connection to a request (httptrace GotConn), the request
// tells the connection the header names it wants, in order and with their
// exact case; the connection then rewrites the header block of the next
// request it writes. Only the head is touched: the request line, the header
// values and the body pass unchanged, and a head that does not look like an
// HTTP/1.1 request is passed through as is.

// maxHeadBuffer bounds the bytes held while looking for the end of a head.
const maxHeadBuffer = 1 << 20

type orderedConn struct {
	net.Conn

	mu    sync.Mutex
	order []Header // names (exact case) in wire order; nil = pass through
	buf   []byte

	head headRecorder // see rawhead.go
}

// expect arms the connection to reorder the next request head.
func (c *orderedConn) expect(order []Header) {
	c.mu.Lock()
	c.order = order
	c.buf = c.buf[:0]
	c.mu.Unlock()
}

func (c *orderedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.order == nil {
		c.mu.Unlock()
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	end := bytes.Index(c.buf, []byte("\r\n\r\n"))
	if end < 0 && len(c.buf) < maxHeadBuffer {
		c.mu.Unlock()
		return len(p), nil
	}
	out := c.buf
	if end >= 0 {
		out = appendReordered(make([]byte, 0, len(c.buf)+16), c.buf[:end+2], c.order)
		out = append(out, c.buf[end+2:]...)
	}
	c.order = nil
	if end >= 0 {
		c.buf = c.buf[:0] // out is a copy: keep the buffer for the next head
	} else {
		c.buf = nil
	}
	c.mu.Unlock()
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// reorderHead rewrites head (request line and header lines, each ending in
// CRLF, without the final empty line) so that headers named in order come
// in that order and with that case. Headers not named (Host, Content-Length
// and the like written by net/http) keep their relative order: Host first,
// the others after the named ones. Anything that does not look like an
// HTTP/1.1 request head is returned unchanged.
func reorderHead(head []byte, order []Header) []byte {
	return appendReordered(make([]byte, 0, len(head)), head, order)
}

// headLine locates one header line in a head.
type headLine struct {
	start, colon, end int // end is after the CRLF
	matched           bool
}

// appendReordered appends the reordered head to dst.
func appendReordered(dst, head []byte, order []Header) []byte {
	first := bytes.Index(head, []byte("\r\n"))
	if first < 0 || !bytes.HasSuffix(head[:first], []byte(" HTTP/1.1")) || !bytes.HasSuffix(head, []byte("\r\n")) {
		return append(dst, head...)
	}
	var lineBuf [48]headLine
	lines := lineBuf[:0]
	for pos := first + 2; pos < len(head); {
		n := bytes.Index(head[pos:], []byte("\r\n"))
		if n < 0 {
			return append(dst, head...)
		}
		colon := bytes.IndexByte(head[pos:pos+n], ':')
		if colon <= 0 || bytes.ContainsAny(head[pos:pos+colon], " \t") {
			return append(dst, head...) // continuation or malformed line
		}
		lines = append(lines, headLine{start: pos, colon: pos + colon, end: pos + n + 2})
		pos += n + 2
	}
	var matchBuf [48]int
	match := matchBuf[:0]
	for range order {
		match = append(match, -1)
	}
	// Exact names first, then ASCII case-insensitive ones.
	for pass := 0; pass < 2; pass++ {
		for j, h := range order {
			if match[j] >= 0 {
				continue
			}
			for i := range lines {
				l := &lines[i]
				if l.matched {
					continue
				}
				name := head[l.start:l.colon]
				if pass == 0 && string(name) == h.Name || pass == 1 && asciiEqualFold(string(name), h.Name) {
					l.matched = true
					match[j] = i
					break
				}
			}
		}
	}
	dst = append(dst, head[:first+2]...)
	for _, l := range lines {
		if !l.matched && asciiEqualFold(string(head[l.start:l.colon]), "Host") {
			dst = append(dst, head[l.start:l.end]...)
		}
	}
	for j, i := range match {
		if i >= 0 {
			dst = append(dst, order[j].Name...)
			dst = append(dst, head[lines[i].colon:lines[i].end]...)
		}
	}
	for _, l := range lines {
		if !l.matched && !asciiEqualFold(string(head[l.start:l.colon]), "Host") {
			dst = append(dst, head[l.start:l.end]...)
		}
	}
	return dst
}

// asciiEqualFold is strings.EqualFold restricted to ASCII letters, so that
// a rename never changes a name's length.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
