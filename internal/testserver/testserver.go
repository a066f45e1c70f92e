// Package testserver is reqflow's embedded httpbin-style HTTP server.
//
// It serves every endpoint of github.com/mccutchen/go-httpbin (GET /get,
// POST /post, /cookies/set, /redirect/N, /status/N, /xml, …) and adds, under
// Prefix (/reqflow/), the cases a Make-compatible HTTP client must handle and
// httpbin lacks. GET /reqflow/ lists them:
//
//   - /reqflow/xml: an XML document for Make's XML shape (XMLDocument).
//   - /reqflow/charset/{name}: text in ISO-8859-15, windows-1252, Shift_JIS or
//     UTF-8, the charset declared in the header, an HTML meta, an XML
//     declaration or nowhere (CharsetBody, CharsetText).
//   - /reqflow/login: a 302 to /cookies that sets session=… (LoginSetCookie).
//   - /reqflow/redirect/relative and /reqflow/redirect/non-ascii: a
//     path-relative Location and one with raw UTF-8 bytes.
//   - /reqflow/stall: half the body, a pause, the rest (StallHead, StallTail).
//   - /reqflow/truncated: a body shorter than its Content-Length.
//   - /reqflow/encoding/{name}: one body as gzip, deflate, raw deflate, br or
//     zstd (Encode, EncodedBody).
//   - /reqflow/bomb/{name}: gigabytes of zeros in a megabyte or less
//     (BombLength, WriteBomb).
//   - /reqflow/multipart: echoes each part's name, filename, content type,
//     size and SHA-256 (MultipartEcho).
//   - /reqflow/json/{bigint,bom}: integers beyond 2^53; a byte order mark.
//   - /reqflow/file/{name}: a named download with Content-Disposition and
//     filename* (FileDisposition, FileContent).
//   - /reqflow/upload: hashes a streamed body of any size (UploadEcho).
//   - /reqflow/cookies/many: several Set-Cookie headers (ManyCookies).
//   - /reqflow/flaky/{key}: fails the first N requests per key, then 200,
//     for deterministic retry tests (FlakyAttempt).
//   - /reqflow/ratelimit: a 429 with Retry-After.
//
// `reqflow demo` runs the bundled examples against it, `reqflow httpbin`
// serves it by hand, and tests across the repository start one with NewTest.
//
// The server listens on loopback only: Start refuses any other address
// unless the AllowNonLoopback option is given, because httpbin echoes
// request headers, credentials included, to whoever asks. It sets header,
// read and write timeouts and caps request bodies (DefaultMaxBodySize),
// except on the endpoints that stall or stream on purpose.
package testserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// Prefix is the path under which the endpoints reqflow adds to httpbin live.
const Prefix = "/reqflow"

// Named defaults of the server.
const (
	// DefaultAddr is the listen address used when Start is given "".
	DefaultAddr = "127.0.0.1:0"
	// DefaultMaxBodySize caps request bodies, in bytes.
	DefaultMaxBodySize int64 = 10 << 20
	// DefaultReadHeaderTimeout bounds reading a request head.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds reading a whole request, body included;
	// /reqflow/upload lifts it for its own request.
	DefaultReadTimeout = 60 * time.Second
	// DefaultWriteTimeout bounds writing a response. The endpoints that
	// stall or stream large bodies (/reqflow/stall, /reqflow/file,
	// /reqflow/bomb, /reqflow/upload) lift it for their own response.
	DefaultWriteTimeout = 60 * time.Second
	// DefaultIdleTimeout closes idle keep-alive connections.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxHeaderBytes caps the size of a request head.
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultStall is how long /reqflow/stall pauses mid-body unless the
	// request asks for another with ?duration=.
	DefaultStall = 30 * time.Second
	// MaxStall is the longest pause /reqflow/stall accepts.
	MaxStall = 10 * time.Minute
	// DefaultMaxDuration caps httpbin's client-controlled delays (/delay, /drip).
	DefaultMaxDuration = 10 * time.Second
)

type config struct {
	logger           *slog.Logger
	maxBodySize      int64
	stall            time.Duration
	maxDuration      time.Duration
	allowNonLoopback bool
}

// Option configures the handler built by New and the server run by Start.
type Option func(*config)

// WithLogger sets the logger that receives one debug record per request and
// the server's own error messages. The default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithMaxBodySize caps the size of request bodies (DefaultMaxBodySize by
// default). Larger bodies are answered with 413 or 400.
func WithMaxBodySize(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBodySize = n
		}
	}
}

// WithStall sets how long /reqflow/stall pauses mid-body when the request does
// not say (DefaultStall by default).
func WithStall(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.stall = min(d, MaxStall)
		}
	}
}

// WithMaxDuration caps the delays clients may ask of httpbin's /delay and
// /drip endpoints (DefaultMaxDuration by default).
func WithMaxDuration(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.maxDuration = d
		}
	}
}

// AllowNonLoopback lets Start listen on an address that is not a loopback
// address (for example "0.0.0.0:8080"). Without it Start refuses such an
// address, because the server echoes request headers, credentials included,
// to whoever asks.
func AllowNonLoopback() Option {
	return func(c *config) { c.allowNonLoopback = true }
}

func newConfig(opts []Option) config {
	c := config{
		logger:      slog.New(slog.DiscardHandler),
		maxBodySize: DefaultMaxBodySize,
		stall:       DefaultStall,
		maxDuration: DefaultMaxDuration,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	return c
}

// New returns the handler of the test server: httpbin's endpoints plus
// reqflow's extras under Prefix.
func New(opts ...Option) http.Handler {
	return newHandler(newConfig(opts))
}

func newHandler(c config) http.Handler {
	bin := httpbin.New(
		httpbin.WithMaxBodySize(c.maxBodySize),
		httpbin.WithMaxDuration(c.maxDuration),
		httpbin.WithHostname("reqflow-testserver"),
	)
	mux := http.NewServeMux()
	mux.Handle("/", bin)
	ex := &extras{cfg: c, bombs: sharedBombs}
	ex.register(mux)
	return logRequests(c.logger, mux)
}

// Server is a running test server.
type Server struct {
	// URL is the base URL of the server, e.g. "http://127.0.0.1:41234",
	// without a trailing slash.
	URL string
	// Addr is the address the server listens on, e.g. "127.0.0.1:41234".
	Addr string

	srv       *http.Server
	done      chan struct{}
	serveErr  error
	closeOnce sync.Once
	closeErr  error
	stopCtx   func() bool
}

// Start listens on addr ("" means DefaultAddr, a free port on 127.0.0.1) and
// serves the handler of New in the background until Close is called or ctx
// is cancelled. addr must be a loopback address ("127.0.0.1:8080",
// "[::1]:0", "localhost:0") unless AllowNonLoopback is given.
func Start(ctx context.Context, addr string, opts ...Option) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("starting test server: %w", err)
	}
	c := newConfig(opts)
	if addr == "" {
		addr = DefaultAddr
	}
	if !c.allowNonLoopback {
		if err := checkLoopback(addr); err != nil {
			return nil, err
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("starting test server: %w", err)
	}
	if !c.allowNonLoopback {
		// "localhost" may resolve to anything; check what we really got.
		if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
			_ = ln.Close()
			return nil, fmt.Errorf("starting test server: address %q resolved to %s, which is not loopback", addr, ln.Addr())
		}
	}
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		Addr: ln.Addr().String(),
		srv: &http.Server{
			Handler:           newHandler(c),
			ReadHeaderTimeout: DefaultReadHeaderTimeout,
			ReadTimeout:       DefaultReadTimeout,
			WriteTimeout:      DefaultWriteTimeout,
			IdleTimeout:       DefaultIdleTimeout,
			MaxHeaderBytes:    DefaultMaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(c.logger.Handler(), slog.LevelWarn),
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.serveErr = err
		}
	}()
	// The callback must not touch s.stopCtx, which is set only afterwards.
	s.stopCtx = context.AfterFunc(ctx, func() { _ = s.shutdown() })
	return s, nil
}

// checkLoopback reports an error unless addr's host is a loopback IP address
// or "localhost".
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("starting test server: address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("starting test server: address %q is not loopback (want 127.0.0.1, ::1 or localhost; use AllowNonLoopback to serve elsewhere)", addr)
	}
	return nil
}

// Close stops the server at once, closing every open connection (stalled
// responses included), and waits for it to stop. It is safe to call more
// than once; later calls return the first call's result.
func (s *Server) Close() error {
	s.stopCtx()
	return s.shutdown()
}

// shutdown closes the server once and remembers the result.
func (s *Server) shutdown() error {
	s.closeOnce.Do(func() {
		err := s.srv.Close()
		<-s.done
		s.closeErr = errors.Join(err, s.serveErr)
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("closing test server: %w", s.closeErr)
		}
	})
	return s.closeErr
}

// Done is closed once the server has stopped serving.
func (s *Server) Done() <-chan struct{} { return s.done }

// NewTest starts a server on a free loopback port for the test t and closes
// it when the test ends. It fails the test if the server cannot start.
func NewTest(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(context.Background(), "", opts...)
	if err != nil {
		t.Fatalf("testserver.NewTest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("testserver.NewTest: %v", err)
		}
	})
	return s
}

// logRequests logs one debug record per request, after it is served.
func logRequests(l *slog.Logger, next http.Handler) http.Handler {
	if !l.Enabled(context.Background(), slog.LevelDebug) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		l.LogAttrs(r.Context(), slog.LevelDebug, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Duration("duration", time.Since(start)),
		)
	})
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(p)
}

// Flush sends buffered data to the client; httpbin's streaming endpoints
// require an http.Flusher.
func (r *statusRecorder) Flush() {
	r.wrote = true
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Hijack hands the connection over; httpbin's websocket endpoint requires an
// http.Hijacker.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.wrote = true
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer (flush,
// deadlines, hijack).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
