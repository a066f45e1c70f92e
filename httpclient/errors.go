package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
)

// ErrorKind classifies an [Error] so that callers can map it onto Make's
// error types without inspecting messages.
type ErrorKind int

const (
	// KindConnection covers DNS failures, refused or reset connections and
	// TLS handshake or verification failures (Make's ConnectionError).
	KindConnection ErrorKind = iota + 1
	// KindTimeout means that connecting, waiting for the response head or a
	// pause in the response body lasted longer than the request's Timeout
	// (Make's ModuleTimeoutError).
	KindTimeout
	// KindRedirect means too many redirects, a redirect loop or an unusable
	// Location header.
	KindRedirect
	// KindBody means a response body shorter than its Content-Length, a body
	// over the size cap or a body that cannot be decoded.
	KindBody
	// KindConfig means the request itself is invalid: a bad URL, a bad CA
	// PEM, a bad method or header, an out-of-range timeout
	// (Make's InvalidConfigurationError).
	KindConfig
	// KindCanceled means the caller's context was canceled or its deadline
	// passed; Err then wraps the context's error.
	KindCanceled
	// KindRequestBody means the request body could not be produced: a file
	// part failed to open or to read, or yielded a length other than its
	// Size (Make's DataError).
	KindRequestBody
)

// String returns the lower-case name of the kind, e.g. "timeout".
func (k ErrorKind) String() string {
	switch k {
	case KindConnection:
		return "connection"
	case KindTimeout:
		return "timeout"
	case KindRedirect:
		return "redirect"
	case KindBody:
		return "body"
	case KindConfig:
		return "config"
	case KindCanceled:
		return "canceled"
	case KindRequestBody:
		return "request body"
	}
	return "unknown"
}

// Error is the error type returned by every function of this package that
// does I/O or validates a request. Its text never contains a password, an
// Authorization value or URL user info.
type Error struct {
	// Kind classifies the failure.
	Kind ErrorKind
	// Op says what was being done, e.g. "reading response body from".
	Op string
	// URL is the URL concerned, with any user info removed; may be empty.
	URL string
	// Err is the underlying cause.
	Err error
}

// Error returns "op url: cause", e.g.
// "requesting http://127.0.0.1:8080/x: connection refused".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.URL != "" {
		b.WriteByte(' ')
		b.WriteString(e.URL)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// timeoutError is the cause reported for a watchdog timeout.
type timeoutError struct {
	phase string
}

func (e *timeoutError) Error() string { return "timeout: no " + e.phase }

// Timeout reports true so that net.Error-style checks recognise it.
func (e *timeoutError) Timeout() bool { return true }

// classify maps a transport error to an *Error. cause is the cancellation
// cause of the request context, if any.
func classify(op, u string, err error, cause error, callerErr error) *Error {
	var te *timeoutError
	switch {
	case errors.As(cause, &te):
		return &Error{Kind: KindTimeout, Op: op, URL: u, Err: te}
	case callerErr != nil:
		return &Error{Kind: KindCanceled, Op: op, URL: u, Err: callerErr}
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var ue *uploadError
	if errors.As(err, &ue) {
		return &Error{Kind: KindRequestBody, Op: "sending request body to", URL: u, Err: ue.err}
	}
	kind := KindConnection
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		kind = KindTimeout
	}
	if errors.Is(err, context.DeadlineExceeded) {
		kind = KindTimeout
	}
	var (
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknown) || errors.As(err, &hostname) {
		kind = KindConnection
	}
	return &Error{Kind: kind, Op: op, URL: u, Err: err}
}

// configError returns a KindConfig error.
func configError(op, u string, err error) *Error {
	return &Error{Kind: KindConfig, Op: op, URL: u, Err: err}
}

// redactURL removes user info from a URL that may not even parse, and
// shortens very long URLs so that errors stay readable.
func redactURL(raw string) string {
	s := raw
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	end := len(s)
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	if at := strings.LastIndex(s[start:end], "@"); at >= 0 {
		s = s[:start] + s[start+at+1:]
	}
	const max = 512
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// uploadError marks an error of the request body source, as opposed to the
// network.
type uploadError struct{ err error }

func (e *uploadError) Error() string { return e.err.Error() }
func (e *uploadError) Unwrap() error { return e.err }
