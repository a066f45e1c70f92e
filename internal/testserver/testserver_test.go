package testserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"
)

// setup starts a server for the test and returns it with a plain client
// that neither follows redirects nor decodes compressed bodies, so tests see
// the exact bytes the server sent.
func setup(t *testing.T, opts ...Option) (*Server, *http.Client) {
	t.Helper()
	s := NewTest(t, opts...)
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{
		Transport: tr,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return s, c
}

// get sends a GET and returns the response with its whole body read.
func get(t *testing.T, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	return do(t, c, http.MethodGet, url, "", nil)
}

func do(t *testing.T, c *http.Client, method, url, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("building %s %s: %v", method, url, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, b
}

func TestStartAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		opts    []Option
		wantErr string
	}{
		{addr: ""},
		{addr: "127.0.0.1:0"},
		{addr: "localhost:0"},
		{addr: "0.0.0.0:0", wantErr: `starting test server: address "0.0.0.0:0" is not loopback (want 127.0.0.1, ::1 or localhost; use AllowNonLoopback to serve elsewhere)`},
		{addr: ":0", wantErr: `starting test server: address ":0" is not loopback (want 127.0.0.1, ::1 or localhost; use AllowNonLoopback to serve elsewhere)`},
		{addr: "[::]:0", wantErr: `starting test server: address "[::]:0" is not loopback (want 127.0.0.1, ::1 or localhost; use AllowNonLoopback to serve elsewhere)`},
		{addr: "192.0.2.1:80", wantErr: `starting test server: address "192.0.2.1:80" is not loopback (want 127.0.0.1, ::1 or localhost; use AllowNonLoopback to serve elsewhere)`},
		{addr: "example.com:80", wantErr: `starting test server: address "example.com:80" is not loopback (want 127.0.0.1, ::1 or localhost; use AllowNonLoopback to serve elsewhere)`},
		{addr: "127.0.0.1", wantErr: `starting test server: address "127.0.0.1": address 127.0.0.1: missing port in address`},
		// Allowed by the option; 127.0.0.1 keeps the test on loopback.
		{addr: "127.0.0.1:0", opts: []Option{AllowNonLoopback()}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			s, err := Start(t.Context(), tt.addr, tt.opts...)
			if tt.wantErr != "" {
				if err == nil {
					_ = s.Close()
					t.Fatalf("Start(%q) = nil error, want %q", tt.addr, tt.wantErr)
				}
				if err.Error() != tt.wantErr {
					t.Fatalf("Start(%q) error\n got %q\nwant %q", tt.addr, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Start(%q): %v", tt.addr, err)
			}
			defer s.Close()
			host, _, err := net.SplitHostPort(s.Addr)
			if err != nil || !net.ParseIP(host).IsLoopback() {
				t.Fatalf("Addr = %q, want a loopback address", s.Addr)
			}
			if want := "http://" + s.Addr; s.URL != want {
				t.Fatalf("URL = %q, want %q", s.URL, want)
			}
			resp, err := http.Get(s.URL + "/status/204")
			if err != nil {
				t.Fatalf("GET /status/204: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("GET /status/204: status %d, want 204", resp.StatusCode)
			}
		})
	}
}

func TestStartIPv6Loopback(t *testing.T) {
	t.Parallel()
	s, err := Start(t.Context(), "[::1]:0")
	if err != nil {
		if strings.Contains(err.Error(), "cannot assign requested address") || strings.Contains(err.Error(), "address family not supported") {
			t.Skipf("no IPv6 loopback here: %v", err)
		}
		t.Fatalf("Start([::1]:0): %v", err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL, "http://[::1]:") {
		t.Fatalf("URL = %q, want http://[::1]:PORT", s.URL)
	}
}

func TestCloseAndContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	s, err := Start(ctx, "")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	cancel()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("server still running 10 s after its context was cancelled")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close after cancel: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(s.URL + "/get"); err == nil {
		t.Fatal("GET after Close succeeded, want a connection error")
	}
}

func TestCloseInterruptsStall(t *testing.T) {
	t.Parallel()
	s, err := Start(t.Context(), "")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	resp, err := http.Get(s.URL + Prefix + "/stall?duration=10m")
	if err != nil {
		t.Fatalf("GET stall: %v", err)
	}
	defer resp.Body.Close()
	head := make([]byte, len(StallHead))
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatalf("reading the head of the stalled body: %v", err)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v with a stalled response open, want well under 5 s", d)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("reading the stalled body after Close: nil error, want the connection cut")
	}
}

func TestHandlerServesHTTPBin(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	s := NewTest(t)
	tests := []struct {
		path       string
		wantStatus int
		wantType   string
		wantInBody string
	}{
		{"/get?a=1", 200, "application/json; charset=utf-8", `"a": [` + "\n" + `      "1"`},
		{"/uuid", 200, "application/json; charset=utf-8", `"uuid": "`},
		{"/xml", 200, "application/xml", `<slideshow`},
		{"/status/404", 404, "text/plain; charset=utf-8", ""},
		{"/hostname", 200, "application/json; charset=utf-8", `"hostname": "reqflow-testserver"`},
		{"/reqflow/nope", 404, "text/plain; charset=utf-8", "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, c, s.URL+tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Fatalf("Content-Type %q, want %q", got, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantInBody) {
				t.Fatalf("body %q does not contain %q", body, tt.wantInBody)
			}
		})
	}
}

func TestNewHandlerInProcess(t *testing.T) {
	t.Parallel()
	h := New(WithMaxBodySize(16))
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c := &http.Client{}
	resp, body := do(t, c, http.MethodPost, "http://"+ln.Addr().String()+"/post", "text/plain", []byte("seventeen bytes!!"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST 17 bytes with a 16-byte limit: status %d, want 400; body %s", resp.StatusCode, body)
	}
}

func TestLogger(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	s, c := setup(t, WithLogger(l))
	get(t, c, s.URL+"/status/418")
	get(t, c, s.URL+Prefix+"/xml")
	// The drip endpoint needs an http.Flusher through the logging wrapper.
	resp, body := get(t, c, s.URL+"/drip?numbytes=3&duration=0&delay=0")
	if resp.StatusCode != 200 || string(body) != "***" {
		t.Fatalf("GET /drip through the logger: %d %q, want 200 \"***\"", resp.StatusCode, body)
	}
	want := "level=DEBUG msg=request method=GET path=/status/418 status=418\n" +
		"level=DEBUG msg=request method=GET path=/reqflow/xml status=200\n" +
		"level=DEBUG msg=request method=GET path=/drip status=200\n"
	if got := buf.String(); got != want {
		t.Fatalf("log\n got %q\nwant %q", got, want)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newJar(t *testing.T) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookie jar: %v", err)
	}
	return jar
}

// TestStartCancelledContext starts with a context cancelled at once; the
// server must stop on its own and Close must still work.
func TestStartCancelledContext(t *testing.T) {
	t.Parallel()
	for range 20 {
		ctx, cancel := context.WithCancel(t.Context())
		s, err := Start(ctx, "")
		cancel()
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		<-s.Done()
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Start(ctx, ""); err == nil || err.Error() != "starting test server: context canceled" {
		t.Fatalf("Start with a cancelled context: %v", err)
	}
}
