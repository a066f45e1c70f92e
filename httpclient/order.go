package httpclient

import (
	"bytes"
	"net"
	"slices"
	"strings"
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
		out = append(reorderHead(c.buf[:end+2], c.order), c.buf[end+2:]...)
	}
	c.order = nil
	c.buf = nil
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
// the others after the named ones.
func reorderHead(head []byte, order []Header) []byte {
	lines := strings.SplitAfter(string(head), "\r\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 || !strings.HasSuffix(lines[0], " HTTP/1.1\r\n") {
		return head
	}
	type line struct {
		rank int
		text string
	}
	used := make([]bool, len(order))
	out := make([]line, 0, len(lines)-1)
	for i, l := range lines[1:] {
		name, rest, ok := strings.Cut(l, ":")
		if !ok || strings.ContainsAny(name, " \t") {
			return head // continuation or malformed line: leave alone
		}
		rank := -1
		for j, h := range order {
			if !used[j] && h.Name == name {
				rank = j
				break
			}
		}
		if rank < 0 {
			for j, h := range order {
				if !used[j] && asciiEqualFold(h.Name, name) {
					rank = j
					break
				}
			}
		}
		switch {
		case rank >= 0:
			used[rank] = true
			l = order[rank].Name + ":" + rest
		case asciiEqualFold(name, "Host"):
			rank = -1
		default:
			rank = len(order) + i
		}
		out = append(out, line{rank: rank, text: l})
	}
	slices.SortStableFunc(out, func(a, b line) int { return a.rank - b.rank })
	var b bytes.Buffer
	b.Grow(len(head) + 2)
	b.WriteString(lines[0])
	for _, l := range out {
		b.WriteString(l.text)
	}
	return b.Bytes()
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
