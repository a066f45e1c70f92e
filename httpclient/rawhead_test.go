package httpclient

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
)

// rawServer answers the requests of each connection with the given raw
// responses, in turn, keeping the connection open between them.
func rawServer(t *testing.T, responses ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for _, resp := range responses {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					if _, err := io.WriteString(c, resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestHeaderOrderIsReceivedOrder(t *testing.T) {
	t.Parallel()
	first := "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n" +
		"HTTP/1.1 200 OK\r\n" +
		"Zeta: 1\r\n" +
		"set-cookie: a=1\r\n" +
		"Alpha: first\r\n" +
		"Set-Cookie: b=2; Path=/\r\n" +
		"X-Folded: one\r\n two\r\n" +
		"alpha: second\r\n" +
		"Content-Length: 2\r\n\r\nok"
	second := "HTTP/1.1 201 Created\r\nB: 2\r\nA: 1\r\nContent-Length: 0\r\n\r\n"
	base := rawServer(t, first, second)
	c := New(WithUserAgent("reqflow/test"))
	t.Cleanup(c.CloseIdleConnections)

	resp, err := c.Do(context.Background(), &Request{URL: base + "/one", Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "status", resp.StatusCode, 200)
	equal(t, "body", string(resp.Body), "ok")
	equalSlice(t, "header order", resp.HeaderOrder, []Header{
		{"Zeta", "1"},
		{"set-cookie", "a=1"},
		{"Alpha", "first"},
		{"Set-Cookie", "b=2; Path=/"},
		{"X-Folded", "one two"},
		{"alpha", "second"},
		{"Content-Length", "2"},
	})

	// The same connection, reused: the second head is recorded afresh.
	resp, err = c.Do(context.Background(), &Request{URL: base + "/two", Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "status", resp.StatusCode, 201)
	equalSlice(t, "header order", resp.HeaderOrder, []Header{{"B", "2"}, {"A", "1"}, {"Content-Length", "0"}})
}

func TestHeaderOrderAfterRedirect(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.mux.Handle("/from", redirectTo(http.StatusFound, "/to"))
	e.mux.HandleFunc("/to", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-B", "b")
		w.Header().Set("X-A", "a")
		_, _ = io.WriteString(w, "done")
	})
	resp := e.do(&Request{URL: e.url("/from"), FollowRedirect: true})
	// net/http's server writes the handler's headers sorted by name, then
	// the ones it adds itself.
	want := []Header{{"X-A", "a"}, {"X-B", "b"}, {"Date", resp.Header.Get("Date")}, {"Content-Length", "4"}, {"Content-Type", "text/plain; charset=utf-8"}}
	equalSlice(t, "header order", resp.HeaderOrder, want)
}

func TestParseHead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		head string
		want []Header
		ok   bool
	}{
		{"HTTP/1.1 200 OK\r\n", nil, true},
		{"HTTP/1.1 200 OK\r\nA:  x \r\nB:\r\n", []Header{{"A", "x"}, {"B", ""}}, true},
		{"HTTP/1.1 200 OK\r\n folded\r\n", nil, false},
		{"HTTP/1.1 200 OK\r\nno colon\r\n", nil, false},
		{"HTTP/1.1 200 OK\r\nA: x", nil, false},
	}
	for _, tt := range tests {
		got, ok := parseHead([]byte(tt.head))
		if ok != tt.ok {
			t.Errorf("parseHead(%q) ok = %v, want %v", tt.head, ok, tt.ok)
		}
		equalSlice(t, "parseHead "+tt.head, got, tt.want)
	}
}
