package httpclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// env is a test fixture: a loopback server that records the raw bytes of
// every request it receives, and a client whose dialer sends every "*.test"
// host to that server.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	mux    *http.ServeMux
	client *Client
	dials  *int64

	mu    sync.Mutex
	raw   []string // raw requests (head and body) in arrival order
	opens int      // file part opens counted by countingFile
}

type rawConnKey struct{}

// recConn records the bytes read from a connection.
type recConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.buf.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *recConn) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.buf.String()
	c.buf.Reset()
	return s
}

type recListener struct{ net.Listener }

func (l recListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &recConn{Conn: c}, nil
}

// setup starts a plain HTTP server with no routes; add them with e.mux.
func setup(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, mux: http.NewServeMux()}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(e.serve))
	srv.Listener = recListener{srv.Listener}
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, rawConnKey{}, c)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	e.srv = srv
	e.client = e.newClient()
	return e
}

// setupTLS starts an HTTPS server with the given configuration.
func setupTLS(t *testing.T, cfg *tls.Config) *env {
	t.Helper()
	e := &env{t: t, mux: http.NewServeMux()}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(e.serve))
	srv.TLS = cfg
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	e.srv = srv
	e.client = e.newClient()
	return e
}

func (e *env) newClient(opts ...Option) *Client {
	var dials int64
	e.dials = &dials
	addr := e.srv.Listener.Addr().String()
	var mu sync.Mutex
	d := &net.Dialer{}
	c := New(append([]Option{WithUserAgent("reqflow/test"), WithDialContext(func(ctx context.Context, network, a string) (net.Conn, error) {
		host, port, _ := net.SplitHostPort(a)
		if strings.HasSuffix(host, ".test") {
			_, srvPort, _ := net.SplitHostPort(addr)
			if port == srvPort {
				a = addr
			}
		}
		mu.Lock()
		dials++
		mu.Unlock()
		return d.DialContext(ctx, network, a)
	})}, opts...)...)
	e.t.Cleanup(c.CloseIdleConnections)
	return c
}

func (e *env) serve(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if c, ok := r.Context().Value(rawConnKey{}).(*recConn); ok {
		e.mu.Lock()
		e.raw = append(e.raw, c.take())
		e.mu.Unlock()
	}
	e.mux.ServeHTTP(w, r)
}

// requests returns the raw requests received so far, with the server's
// host:port replaced by HOST.
func (e *env) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, len(e.raw))
	for i, s := range e.raw {
		out[i] = strings.ReplaceAll(s, e.host(), "HOST")
	}
	return out
}

// host is the server's host:port.
func (e *env) host() string { return e.srv.Listener.Addr().String() }

// url returns the server URL of path.
func (e *env) url(path string) string { return e.srv.URL + path }

// expand replaces HOST by the server's host:port.
func (e *env) expand(s string) string { return strings.ReplaceAll(s, "HOST", e.host()) }

// do sends r and fails the test on error.
func (e *env) do(r *Request) *Response {
	e.t.Helper()
	resp, err := e.client.Do(context.Background(), r)
	if err != nil {
		e.t.Fatalf("Do: %v", err)
	}
	return resp
}

// doErr sends r and returns its *Error, failing the test if there is none.
func (e *env) doErr(r *Request) *Error {
	e.t.Helper()
	resp, err := e.client.Do(context.Background(), r)
	if err == nil {
		e.t.Fatalf("Do: got status %d, want an error", resp.StatusCode)
	}
	var he *Error
	if !errors.As(err, &he) {
		e.t.Fatalf("Do: error %T %v is not *Error", err, err)
	}
	return he
}

// text replies with a fixed body.
func text(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// redirectTo replies with status and Location.
func redirectTo(status int, loc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", loc)
		w.WriteHeader(status)
	}
}

// equal fails the test when got != want.
func equal[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got: %#v\nwant: %#v", what, got, want)
	}
}

// equalSlice fails the test when the slices differ.
func equalSlice[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d items %#v, want %d items %#v", what, len(got), got, len(want), want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s[%d]:\n got: %#v\nwant: %#v", what, i, got[i], want[i])
		}
	}
}

const testTimeout = time.Second
