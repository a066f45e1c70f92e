// Package httpclient is the HTTP client behind reqflow's "Make a request"
// family of modules. It reproduces the behaviour of Make's HTTP app, whose
// options are those of Node's request library: headers sent in the given
// order with their exact case, qs-style query strings, raw, urlencoded and
// streamed multipart bodies, preemptive basic auth, request-style redirects
// (followRedirect / followAllRedirects, at most 10 hops, credentials dropped
// on a hop to another host), gzip/deflate/br/zstd decoding with a cap on the
// decoded size, per-request TLS settings (extra CA, skip verification,
// client certificates), an optional cookie jar and a timeout that bounds
// connecting, waiting for the response head and any pause in the body, but
// not a transfer that keeps flowing.
//
// Response parsing (JSON, XML, charsets) lives in httpclient/parse; mapping a
// blueprint onto a Request is the module layer's job.
//
// Requests are sent with HTTP/1.1 (as Node's request library does) through
// net/http transports that are cached per TLS setting. net/http writes
// headers sorted by name; a thin connection wrapper restores the order and
// case the user gave (see order.go). Environment proxy settings are not
// used. A decoded response keeps its Content-Encoding and Content-Length
// headers as the server sent them.
package httpclient

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Limits and defaults.
const (
	// DefaultTimeout is used when Request.Timeout is 0 (Make's default).
	DefaultTimeout = 40 * time.Second
	// MinTimeout is the smallest accepted Request.Timeout.
	MinTimeout = time.Second
	// MaxTimeout is the largest accepted Request.Timeout.
	MaxTimeout = 300 * time.Second
	// DefaultMaxBodySize caps the decoded response body that Do reads into
	// memory when Request.MaxBodySize is 0.
	DefaultMaxBodySize int64 = 256 << 20
	// MaxRedirects is the most redirects followed for one request.
	MaxRedirects = 10
)

// Header is a request header. Headers are sent in the order given, with the
// name's exact case.
type Header struct{ Name, Value string }

// Param is a query string or urlencoded form item.
type Param struct{ Name, Value string }

// Request describes one HTTP request as Make's HTTP module sees it.
type Request struct {
	// Method in any case; sent upper case. "" means GET.
	Method string
	// URL is the user's URL; see BuildURL for how it is normalised.
	URL string
	// SerializeURL is Make's "Serialize URL": reserved characters inside
	// path segments are percent-encoded too.
	SerializeURL bool
	// Headers are sent in this order with their exact name case. A
	// Content-Length or Transfer-Encoding header is ignored (the body
	// decides), Host sets the Host header.
	Headers []Header
	// Query items are appended after any query already in URL.
	Query []Param
	// UseQuerystring writes a repeated name as foo=bar&foo=baz instead of
	// foo%5B0%5D=bar&foo%5B1%5D=baz; it applies to FormBody too.
	UseQuerystring bool
	// Body is the request body; nil sends none.
	Body Body
	// Username and Password are sent preemptively as basic auth when
	// either is non-empty (replacing an Authorization header). When both
	// are empty, user info in URL is used instead.
	Username, Password string
	// Timeout bounds connecting, waiting for the response head and any
	// pause while reading the body. 0 means DefaultTimeout; otherwise it
	// must lie within MinTimeout–MaxTimeout.
	Timeout time.Duration
	// Jar, when set, supplies and stores cookies (for every hop). nil means
	// neither send nor store cookies.
	Jar http.CookieJar
	// CA holds extra PEM certificates trusted in addition to the system
	// roots.
	CA []byte
	// InsecureSkipVerify skips server certificate verification (Make's
	// rejectUnauthorized=false).
	InsecureSkipVerify bool
	// Certificates are client certificates offered for mutual TLS.
	Certificates []tls.Certificate
	// FollowRedirect follows 301, 302, 303, 307 and 308 responses that
	// carry a Location, for GET, HEAD and OPTIONS. 301/302/303 turn the
	// request into a GET without body (HEAD stays HEAD); 307/308 re-send
	// method and body. A hop to another host name (port and scheme are not
	// compared, as in Node's request) drops Authorization, Cookie,
	// Proxy-Authorization, SensitiveHeaders and basic-auth credentials for
	// the rest of the chain. Referer is set to the previous URL, except
	// from https to http. At most MaxRedirects hops are followed.
	FollowRedirect bool
	// FollowAllRedirects follows 3xx responses for every method.
	FollowAllRedirects bool
	// Compressed sends Accept-Encoding: gzip, deflate, br, zstd (unless a
	// header sets it) and decodes those codings. When false no
	// Accept-Encoding is sent and the body is returned as received.
	Compressed bool
	// MaxBodySize caps the decoded body size. For Do, 0 means
	// DefaultMaxBodySize; for Open, 0 means no cap. Negative is invalid.
	MaxBodySize int64
	// SensitiveHeaders are extra header names (e.g. an API key header set
	// by a connection) dropped, like Authorization and Cookie, on a
	// redirect to another host.
	SensitiveHeaders []string
	// UserAgent replaces the client's User-Agent; a User-Agent header in
	// Headers wins over both.
	UserAgent string
}

// Hop is one followed redirect: the URL that answered and its 3xx status.
type Hop struct {
	URL        string
	StatusCode int
}

// Response is a fully read response.
type Response struct {
	// StatusCode of the final response.
	StatusCode int
	// Header of the final response.
	Header http.Header
	// Body is the decoded body, fully read, at most MaxBodySize bytes.
	Body []byte
	// URL is the final URL after redirects, without user info.
	URL string
	// Redirects lists each followed 3xx in order.
	Redirects []Hop
	// SetCookies holds the raw Set-Cookie values of every response of the
	// redirect chain, in order (Make's cookieHeaders).
	SetCookies []string
	// HeaderOrder lists the final response's header fields in the order
	// received, names as the server wrote them (see rawhead.go).
	HeaderOrder []Header
}

// StreamResponse is a response whose body is left for the caller to read.
// The timeout still bounds every pause in the body; read errors are *Error.
// The caller must Close Body.
type StreamResponse struct {
	// StatusCode of the final response.
	StatusCode int
	// Header of the final response.
	Header http.Header
	// Body yields the decoded body.
	Body io.ReadCloser
	// ContentLength is the length announced by the server for the encoded
	// body, or -1.
	ContentLength int64
	// URL is the final URL after redirects, without user info.
	URL string
	// Redirects lists each followed 3xx in order.
	Redirects []Hop
	// SetCookies holds the raw Set-Cookie values of every response of the
	// redirect chain, in order.
	SetCookies []string
	// HeaderOrder lists the final response's header fields in the order
	// received, names as the server wrote them (see rawhead.go).
	HeaderOrder []Header
}

// Client sends Requests. It is safe for concurrent use; its transports
// (and their idle connections) are shared by all requests with the same TLS
// settings.
type Client struct {
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	userAgent string
	extraCA   []byte

	mu         sync.Mutex
	transports map[tlsKey]*http.Transport
}

// Option configures a Client.
type Option func(*Client)

// WithDialContext replaces the function that opens TCP connections (by
// default a net.Dialer). Tests use it to count or fail connections.
func WithDialContext(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *Client) { c.dial = dial }
}

// WithUserAgent sets the default User-Agent (normally DefaultUserAgent()).
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// DefaultUserAgent returns "reqflow/<version>", the version coming from the
// build information ("dev" for a development build).
func DefaultUserAgent() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "reqflow/" + v
}

// New returns a Client.
func New(opts ...Option) *Client {
	c := &Client{userAgent: DefaultUserAgent(), transports: make(map[tlsKey]*http.Transport)}
	for _, o := range opts {
		o(c)
	}
	if c.dial == nil {
		d := &net.Dialer{KeepAlive: 30 * time.Second}
		c.dial = d.DialContext
	}
	return c
}

// CloseIdleConnections closes idle connections of every cached transport.
func (c *Client) CloseIdleConnections() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.transports {
		t.CloseIdleConnections()
	}
}

// Do sends r, follows redirects as asked and reads the whole decoded body
// (at most MaxBodySize bytes, DefaultMaxBodySize when 0). Errors are *Error.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	if r == nil {
		return nil, configError("building request", "", errors.New("nil request"))
	}
	limit := r.MaxBodySize
	if limit == 0 {
		limit = DefaultMaxBodySize
	}
	sr, err := c.open(ctx, r, limit)
	if err != nil {
		return nil, err
	}
	defer sr.Body.Close()
	body, err := readAll(sr.Body, sr.ContentLength, limit, sr.Header.Get("Content-Encoding") != "" && r.Compressed)
	if err != nil {
		return nil, err
	}
	return &Response{
		StatusCode:  sr.StatusCode,
		Header:      sr.Header,
		Body:        body,
		URL:         sr.URL,
		Redirects:   sr.Redirects,
		SetCookies:  sr.SetCookies,
		HeaderOrder: sr.HeaderOrder,
	}, nil
}

// readAll reads r, sizing the buffer from the announced length when the
// body is not encoded.
func readAll(r io.Reader, contentLength, limit int64, encoded bool) ([]byte, error) {
	size := int64(512)
	if contentLength >= 0 && !encoded {
		size = min(contentLength, limit) + 1
	}
	if size > 1<<20 {
		size = 1 << 20
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Open is Do without reading the body: the caller streams the decoded
// StreamResponse.Body and closes it. MaxBodySize, when positive, caps the
// decoded body; 0 means no cap. Errors are *Error.
func (c *Client) Open(ctx context.Context, r *Request) (*StreamResponse, error) {
	if r == nil {
		return nil, configError("building request", "", errors.New("nil request"))
	}
	return c.open(ctx, r, r.MaxBodySize)
}

// ctxKey carries the request's timeout to the dialers.
type ctxKey struct{}

func timeoutFrom(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(ctxKey{}).(time.Duration); ok {
		return d
	}
	return DefaultTimeout
}

// exchange holds the state of one Open call across redirect hops.
type exchange struct {
	c      *Client
	r      *Request
	caller context.Context
	ctx    context.Context
	cancel context.CancelCauseFunc
	wd     watchdog
	t      *http.Transport

	method     string
	u          *url.URL
	body       Body
	headers    []Header
	user, pass string
	basic      bool
	sensitive  []string
	referer    string
	order      []Header // headers of the current hop, for the connection
	conn       *orderedConn

	redirects     []Hop
	setCookies    []string
	visited       map[string]int // method and URL of each hop → Set-Cookie count before it
	cookiesBefore int
}

func (c *Client) open(ctx context.Context, r *Request, limit int64) (*StreamResponse, error) {
	x, err := c.prepare(ctx, r)
	if err != nil {
		return nil, err
	}
	sr, err := x.run(limit)
	if err != nil {
		x.wd.stop()
		x.cancel(nil)
		return nil, err
	}
	return sr, nil
}

// prepare validates r and sets up the exchange.
func (c *Client) prepare(ctx context.Context, r *Request) (*exchange, error) {
	redacted := redactURL(r.URL)
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodGet
	}
	if !isToken(method) {
		return nil, configError("building request for", redacted, fmt.Errorf("invalid method %q", truncate(method, 32)))
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if timeout < MinTimeout || timeout > MaxTimeout {
		return nil, configError("building request for", redacted,
			fmt.Errorf("timeout %v out of range %v–%v", r.Timeout, MinTimeout, MaxTimeout))
	}
	if r.MaxBodySize < 0 {
		return nil, configError("building request for", redacted, fmt.Errorf("negative max body size %d", r.MaxBodySize))
	}
	for i, h := range r.Headers {
		if !httpguts.ValidHeaderFieldName(h.Name) {
			return nil, configError("building request for", redacted, fmt.Errorf("header %d: invalid name %q", i+1, truncate(h.Name, 64)))
		}
		if !httpguts.ValidHeaderFieldValue(h.Value) {
			return nil, configError("building request for", redacted, fmt.Errorf("header %q: invalid value (control character)", h.Name))
		}
	}
	s, err := BuildURL(r.URL, r.Query, r.UseQuerystring, r.SerializeURL)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, configError("parsing url", redacted, err)
	}
	x := &exchange{c: c, r: r, caller: ctx, method: method, u: u, body: r.Body,
		user: r.Username, pass: r.Password, sensitive: r.SensitiveHeaders}
	x.basic = x.user != "" || x.pass != ""
	if u.User != nil {
		if !x.basic {
			x.user = u.User.Username()
			x.pass, _ = u.User.Password()
			x.basic = x.user != "" || x.pass != ""
		}
		u.User = nil
	}
	if f, ok := x.body.(*formBody); ok {
		x.body = f.encoded(r.UseQuerystring)
	}
	x.headers = r.Headers // copied on write by dropHeaders
	x.t, err = c.transport(r)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, ctxKey{}, timeout)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if oc, ok := info.Conn.(*orderedConn); ok {
				oc.expect(x.order)
				oc.head.start()
				x.conn = oc
			}
		},
	})
	x.ctx, x.cancel = context.WithCancelCause(ctx)
	x.wd.init(timeout, x.cancel)
	return x, nil
}

// run sends the hops of the exchange.
func (x *exchange) run(limit int64) (*StreamResponse, error) {
	for {
		req, err := x.newRequest()
		if err != nil {
			return nil, err
		}
		where := x.u.String()
		x.wd.arm(phaseHead)
		x.conn = nil
		resp, err := x.t.RoundTrip(req)
		x.wd.headDone()
		if err != nil {
			return nil, classify("requesting", where, err, context.Cause(x.ctx), x.caller.Err())
		}
		cookies := resp.Header["Set-Cookie"]
		x.cookiesBefore = len(x.setCookies)
		x.setCookies = append(x.setCookies, cookies...)
		if x.r.Jar != nil && len(cookies) > 0 {
			x.r.Jar.SetCookies(x.u, resp.Cookies())
		}
		body := &watchedBody{rc: resp.Body, x: x, where: where}
		loc := resp.Header.Get("Location")
		if !isRedirect(resp.StatusCode) || loc == "" || !x.follows() {
			sr := x.response(resp, body, limit)
			sr.HeaderOrder = x.receivedHeaders(resp)
			return sr, nil
		}
		x.redirects = append(x.redirects, Hop{URL: where, StatusCode: resp.StatusCode})
		drain(body)
		if err := x.redirect(resp.StatusCode, loc); err != nil {
			return nil, err
		}
	}
}

func (x *exchange) follows() bool {
	if x.r.FollowAllRedirects {
		return true
	}
	switch x.method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return x.r.FollowRedirect
	}
	return false
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redirect moves the exchange to the hop named by loc.
func (x *exchange) redirect(code int, loc string) error {
	from := x.u.String()
	if x.visited == nil {
		x.visited = make(map[string]int)
	}
	x.visited[x.method+" "+from] = x.cookiesBefore
	next, err := resolveLocation(x.u, loc)
	if err != nil {
		return &Error{Kind: KindRedirect, Op: "following redirect from", URL: from,
			Err: fmt.Errorf("bad Location %q: %w", truncate(redactURL(loc), 200), errors.Unwrap(err))}
	}
	chain := func() string {
		var b strings.Builder
		for _, h := range x.redirects {
			b.WriteString(h.URL)
			b.WriteString(" -> ")
		}
		b.WriteString(next.String())
		return b.String()
	}
	if len(x.redirects) > MaxRedirects {
		return &Error{Kind: KindRedirect, Op: "following redirects from", URL: x.redirects[0].URL,
			Err: fmt.Errorf("stopped after %d redirects: %s", MaxRedirects, chain())}
	}
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		if x.method != http.MethodHead {
			x.method = http.MethodGet
		}
		x.body = nil
		x.headers = dropHeaders(x.headers, "Content-Type", "Content-Length", "Host")
	}
	if !strings.EqualFold(next.Hostname(), x.u.Hostname()) {
		x.headers = dropHeaders(x.headers, append([]string{"Authorization", "Cookie", "Proxy-Authorization", "Host"}, x.sensitive...)...)
		x.basic, x.user, x.pass = false, "", ""
	}
	if x.u.Scheme == "https" && next.Scheme == "http" {
		x.referer = ""
	} else {
		x.referer = from
	}
	key := x.method + " " + next.String()
	if n, ok := x.visited[key]; ok && n == len(x.setCookies) {
		return &Error{Kind: KindRedirect, Op: "following redirects from", URL: x.redirects[0].URL,
			Err: fmt.Errorf("redirect loop: %s", chain())}
	}
	x.u = next
	return nil
}

// resolveLocation resolves a Location header against base, escaping what
// cannot appear in a URL and converting IDN hosts.
func resolveLocation(base *url.URL, loc string) (*url.URL, error) {
	loc = strings.TrimSpace(loc)
	var abs string
	switch {
	case hasScheme(loc):
		abs = loc
	case strings.HasPrefix(loc, "//"):
		abs = base.Scheme + ":" + loc
	default:
		ref, err := url.Parse(escapeLocation(loc))
		if err != nil {
			return nil, &Error{Err: err}
		}
		abs = base.ResolveReference(ref).String()
	}
	s, err := BuildURL(abs, nil, false, false)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, &Error{Err: err}
	}
	u.User = nil
	return u, nil
}

// hasScheme reports whether s starts with a URL scheme and a colon.
func hasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

func dropHeaders(hs []Header, names ...string) []Header {
	out := hs[:0:0]
	for _, h := range hs {
		drop := false
		for _, n := range names {
			if strings.EqualFold(h.Name, n) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, h)
		}
	}
	return out
}

// drain reads a little of a redirect's body so the connection can be
// reused, then closes it.
func drain(body *watchedBody) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.rc.Close()
}

// newRequest builds the http.Request of the current hop.
func (x *exchange) newRequest() (*http.Request, error) {
	hdr := make(http.Header, len(x.headers)+4)
	order := make([]Header, 0, len(x.headers)+4)
	values := make([]string, 0, len(x.headers)+4) // backing for one-value headers
	var host string
	var hasUA, hasCT, hasAuth, hasCookie, hasAE bool
	var jarCookies string
	if x.r.Jar != nil {
		var b strings.Builder
		for _, ck := range x.r.Jar.Cookies(x.u) {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString((&http.Cookie{Name: ck.Name, Value: ck.Value, Quoted: ck.Quoted}).String())
		}
		jarCookies = b.String()
	}
	add := func(name, value string) {
		if vs, ok := hdr[name]; ok {
			hdr[name] = append(vs, value)
		} else if len(values) < cap(values) {
			values = append(values, value)
			hdr[name] = values[len(values)-1 : len(values) : len(values)]
		} else {
			hdr[name] = []string{value}
		}
		order = append(order, Header{name, value})
	}
	for _, h := range x.headers {
		v := h.Value
		switch strings.ToLower(h.Name) {
		case "content-length", "transfer-encoding", "trailer":
			continue // the body decides
		case "host":
			host = v
			order = append(order, h)
			continue
		case "user-agent":
			if !hasUA {
				hdr["User-Agent"] = []string{v}
				order = append(order, h)
			}
			hasUA = true
			continue
		case "content-type":
			hasCT = true
			if m, ok := x.body.(*multipartBody); ok {
				v = m.ContentType()
			}
		case "authorization":
			hasAuth = true
			if x.basic {
				v = x.basicAuth()
			}
		case "cookie":
			hasCookie = true
			if jarCookies != "" {
				v += "; " + jarCookies
			}
		case "accept-encoding":
			hasAE = true
		case "connection", "expect":
			// net/http acts on these (closing the connection, waiting
			// for 100 Continue) only under the canonical key; the
			// connection wrapper restores the user's case on the wire.
			hdr[http.CanonicalHeaderKey(h.Name)] = append(hdr[http.CanonicalHeaderKey(h.Name)], v)
			order = append(order, Header{h.Name, v})
			continue
		}
		add(h.Name, v)
	}
	if !hasCT && x.body != nil && x.body.ContentType() != "" {
		add("Content-Type", x.body.ContentType())
	}
	if !hasAuth && x.basic {
		add("Authorization", x.basicAuth())
	}
	if !hasUA {
		ua := x.r.UserAgent
		if ua == "" {
			ua = x.c.userAgent
		}
		add("User-Agent", ua)
	}
	if x.r.Compressed && !hasAE {
		add("Accept-Encoding", AcceptEncoding)
	}
	if !hasCookie && jarCookies != "" {
		add("Cookie", jarCookies)
	}
	if x.referer != "" {
		add("Referer", x.referer)
	}
	x.order = order
	req := (&http.Request{
		Method:     x.method,
		URL:        x.u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     hdr,
		Host:       host,
	}).WithContext(x.ctx)
	if x.body != nil {
		n := x.body.Len()
		req.ContentLength = n
		open := func() (io.ReadCloser, error) {
			rc, err := x.body.Open()
			if err != nil {
				return nil, err
			}
			if n == 0 {
				_ = rc.Close()
				return http.NoBody, nil
			}
			return &watchedUpload{rc: rc, wd: &x.wd}, nil
		}
		rc, err := open()
		if err != nil {
			return nil, &Error{Kind: KindConfig, Op: "opening request body for", URL: x.u.String(), Err: err}
		}
		req.Body, req.GetBody = rc, open
	}
	return req, nil
}

func (x *exchange) basicAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(x.user+":"+x.pass))
}

// response wraps the final response.
func (x *exchange) response(resp *http.Response, body *watchedBody, limit int64) *StreamResponse {
	var r io.Reader = body
	release := func() {}
	if ce := resp.Header.Get("Content-Encoding"); x.r.Compressed && ce != "" {
		r, release = newDecoder(r, ce)
	}
	rb := &responseBody{body: body, release: release, where: body.where}
	if limit > 0 {
		rb.capped = capReader{r: r, left: limit, max: limit}
		r = &rb.capped
	}
	rb.r = r
	return &StreamResponse{
		StatusCode:    resp.StatusCode,
		Header:        resp.Header,
		Body:          rb,
		ContentLength: resp.ContentLength,
		URL:           x.u.String(),
		Redirects:     x.redirects,
		SetCookies:    x.setCookies,
	}
}

// responseBody is the body handed to callers: errors name the URL, Close
// releases the decoder, the watchdog and the request context.
type responseBody struct {
	r       io.Reader
	capped  capReader
	body    *watchedBody
	release func()
	where   string
	closed  bool
}

func (b *responseBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errors.New("read on closed response body")
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		var e *Error
		if errors.As(err, &e) {
			if e.URL == "" {
				e2 := *e
				e2.Op, e2.URL = e.Op+" from", b.where
				err = &e2
			}
		} else {
			err = &Error{Kind: KindBody, Op: "reading response body from", URL: b.where, Err: err}
		}
	}
	return n, err
}

func (b *responseBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.body.rc.Close()
	b.release()
	b.body.x.wd.stop()
	b.body.x.cancel(nil)
	return err
}

// watchedBody reads a response body under the idle watchdog and classifies
// errors.
type watchedBody struct {
	rc    io.ReadCloser
	x     *exchange
	where string
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.x.wd.arm(phaseBody)
	n, err := b.rc.Read(p)
	b.x.wd.disarm()
	if err != nil && err != io.EOF {
		e := classify("reading response body from", b.where, err, context.Cause(b.x.ctx), b.x.caller.Err())
		if e.Kind == KindConnection {
			e.Kind = KindBody
		}
		return n, e
	}
	return n, err
}

// watchedUpload stops the head timer while the body source is read, so
// only the network side of an upload is bounded by the timeout.
type watchedUpload struct {
	rc io.ReadCloser
	wd *watchdog
}

func (u *watchedUpload) Read(p []byte) (int, error) {
	u.wd.pause()
	n, err := u.rc.Read(p)
	u.wd.resume()
	if err != nil && err != io.EOF {
		err = &uploadError{err: err}
	}
	return n, err
}

func (u *watchedUpload) Close() error { return u.rc.Close() }

// Watchdog phases.
const (
	phaseHead = iota
	phaseBody
)

// watchdog cancels the exchange when a phase lasts longer than the timeout
// without progress.
type watchdog struct {
	d      time.Duration
	cancel context.CancelCauseFunc
	timer  *time.Timer

	mu     sync.Mutex
	phase  int
	inHead bool
}

func (w *watchdog) init(d time.Duration, cancel context.CancelCauseFunc) {
	w.d, w.cancel = d, cancel
	w.timer = time.AfterFunc(time.Hour, w.fire)
	w.timer.Stop()
}

func (w *watchdog) fire() {
	w.mu.Lock()
	phase := w.phase
	w.mu.Unlock()
	what := "response within " + w.d.String()
	if phase == phaseBody {
		what = "response body data for " + w.d.String()
	}
	w.cancel(&timeoutError{phase: what})
}

func (w *watchdog) arm(phase int) {
	w.mu.Lock()
	w.phase = phase
	w.inHead = phase == phaseHead
	w.mu.Unlock()
	w.timer.Reset(w.d)
}

func (w *watchdog) disarm() { w.timer.Stop() }

// headDone ends the head phase.
func (w *watchdog) headDone() {
	w.mu.Lock()
	w.inHead = false
	w.mu.Unlock()
	w.timer.Stop()
}

// pause and resume bracket reads of the request body source.
func (w *watchdog) pause() {
	w.mu.Lock()
	if w.inHead {
		w.timer.Stop()
	}
	w.mu.Unlock()
}

func (w *watchdog) resume() {
	w.mu.Lock()
	if w.inHead {
		w.timer.Reset(w.d)
	}
	w.mu.Unlock()
}

func (w *watchdog) stop() { w.timer.Stop() }

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !httpguts.IsTokenRune(rune(s[i])) {
			return false
		}
	}
	return true
}

// tlsKey identifies a TLS setting; transports are cached per key.
type tlsKey struct {
	ca       [32]byte
	insecure bool
	certs    [32]byte
}

// maxTransports bounds the transport cache.
const maxTransports = 64

func (c *Client) transport(r *Request) (*http.Transport, error) {
	key := tlsKey{insecure: r.InsecureSkipVerify}
	ca := r.CA
	if len(c.extraCA) > 0 {
		ca = append(append(append([]byte{}, c.extraCA...), '\n'), r.CA...)
	}
	if len(ca) > 0 {
		key.ca = sha256.Sum256(ca)
	}
	if len(r.Certificates) > 0 {
		h := sha256.New()
		for _, cert := range r.Certificates {
			for _, der := range cert.Certificate {
				h.Write(der)
			}
			h.Write([]byte{0})
		}
		copy(key.certs[:], h.Sum(nil))
	}
	c.mu.Lock()
	t, ok := c.transports[key]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	cfg := &tls.Config{
		InsecureSkipVerify: r.InsecureSkipVerify, //nolint:gosec // Make's rejectUnauthorized=false, chosen per request
		Certificates:       r.Certificates,
		MinVersion:         tls.VersionTLS12,
	}
	if len(ca) > 0 {
		pool, err := certPool(ca)
		if err != nil {
			return nil, configError("loading CA certificates for", redactURL(r.URL), err)
		}
		cfg.RootCAs = pool
	}
	t = http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConnsPerHost = 16 // scenarios often call one API many times
	t.DisableCompression = true
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	t.TLSClientConfig = cfg
	t.DialContext = c.dialPlain
	t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return c.dialTLS(ctx, network, addr, cfg)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.transports[key]; ok {
		return old, nil
	}
	if len(c.transports) >= maxTransports {
		for k, old := range c.transports {
			old.CloseIdleConnections()
			delete(c.transports, k)
		}
	}
	c.transports[key] = t
	return t, nil
}

// certPool returns the system roots plus the certificates in pemData.
func certPool(pemData []byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	found := 0
	rest := pemData
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		found++
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing certificate %d in CA PEM: %w", found, err)
		}
		pool.AddCert(cert)
	}
	if found == 0 {
		return nil, errors.New("no certificate found in CA PEM")
	}
	return pool, nil
}

func (c *Client) dialPlain(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeoutFrom(ctx))
	defer cancel()
	conn, err := c.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &orderedConn{Conn: conn}, nil
}

func (c *Client) dialTLS(ctx context.Context, network, addr string, base *tls.Config) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeoutFrom(ctx))
	defer cancel()
	conn, err := c.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := base.Clone()
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, err
	}
	return &orderedConn{Conn: tc}, nil
}
