package httpclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTimeouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		kind    ErrorKind
		want    string // error text, or body when kind is 0
	}{
		{
			name:    "server never answers",
			handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			kind:    KindTimeout,
			want:    "requesting http://HOST/: timeout: no response within 1s",
		},
		{
			name: "body stalls",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "100")
				_, _ = w.Write([]byte("part"))
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			kind: KindTimeout,
			want: "reading response body from http://HOST/: timeout: no response body data for 1s",
		},
		{
			name: "body that keeps flowing is not cut off",
			handler: func(w http.ResponseWriter, r *http.Request) {
				for i := range 8 {
					_, _ = w.Write([]byte{byte('0' + i)})
					w.(http.Flusher).Flush()
					time.Sleep(250 * time.Millisecond)
				}
			},
			want: "01234567",
		},
		{
			name: "body shorter than Content-Length",
			handler: func(w http.ResponseWriter, r *http.Request) {
				conn, buf, err := w.(http.Hijacker).Hijack()
				if err != nil {
					return
				}
				_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
				_ = buf.Flush()
				_ = conn.Close()
			},
			kind: KindBody,
			want: "reading response body from http://HOST/: unexpected EOF",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.mux.Handle("/", tt.handler)
			start := time.Now()
			req := &Request{URL: e.url("/"), Timeout: testTimeout}
			if tt.kind == 0 {
				resp := e.do(req)
				equal(t, "body", string(resp.Body), tt.want)
				return
			}
			err := e.doErr(req)
			equal(t, "kind", err.Kind, tt.kind)
			equal(t, "error", err.Error(), e.expand(tt.want))
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestConnectionErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := New()
	_, err = c.Do(context.Background(), &Request{URL: "http://user:s3cret@" + addr + "/x", Timeout: testTimeout})
	var he *Error
	if !errors.As(err, &he) {
		t.Fatalf("error %T %v", err, err)
	}
	equal(t, "kind", he.Kind, KindConnection)
	equal(t, "error", he.Error(), "requesting http://"+addr+"/x: dial tcp "+addr+": connect: connection refused")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Do(ctx, &Request{URL: "http://" + addr + "/x"})
	if !errors.As(err, &he) {
		t.Fatalf("error %T %v", err, err)
	}
	equal(t, "kind", he.Kind, KindCanceled)
	equal(t, "is context.Canceled", errors.Is(err, context.Canceled), true)
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"no scheme", Request{URL: "example.com/x"}, "parsing url example.com/x: missing scheme (want http:// or https://)"},
		{"unsupported scheme", Request{URL: "ftp://example.com/x"}, `parsing url ftp://example.com/x: unsupported scheme "ftp" (want http or https)`},
		{"empty host", Request{URL: "http:///x"}, "parsing url http:///x: empty host"},
		{"empty URL", Request{URL: " "}, "parsing url  : empty url"},
		{"bad host character", Request{URL: "http://exa mple.com/"}, `parsing url http://exa mple.com/: invalid character ' ' in host`},
		{"bad port", Request{URL: "http://example.com:80a/"}, `parsing url http://example.com:80a/: invalid port "80a"`},
		{"user info is redacted", Request{URL: "http://user:s3cret@/x"}, "parsing url http:///x: empty host"},
		{"timeout too short", Request{URL: "http://127.0.0.1/", Timeout: 500 * time.Millisecond}, "building request for http://127.0.0.1/: timeout 500ms out of range 1s–5m0s"},
		{"timeout too long", Request{URL: "http://127.0.0.1/", Timeout: 301 * time.Second}, "building request for http://127.0.0.1/: timeout 5m1s out of range 1s–5m0s"},
		{"bad method", Request{URL: "http://127.0.0.1/", Method: "GET X"}, `building request for http://127.0.0.1/: invalid method "GET X"`},
		{"bad header name", Request{URL: "http://127.0.0.1/", Headers: []Header{{"X A", "1"}}}, `building request for http://127.0.0.1/: header 1: invalid name "X A"`},
		{
			"bad header value is not shown", Request{URL: "http://127.0.0.1/", Headers: []Header{{"Authorization", "Bearer s3cret\r\nX: y"}}},
			`building request for http://127.0.0.1/: header "Authorization": invalid value (control character)`,
		},
		{"negative max body size", Request{URL: "http://127.0.0.1/", MaxBodySize: -1}, "building request for http://127.0.0.1/: negative max body size -1"},
		{"bad CA PEM", Request{URL: "https://127.0.0.1/", CA: []byte("not a pem")}, "loading CA certificates for https://127.0.0.1/: no certificate found in CA PEM"},
		{
			"bad certificate in CA PEM", Request{URL: "https://127.0.0.1/", CA: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")},
			"loading CA certificates for https://127.0.0.1/: parsing certificate 1 in CA PEM: x509: malformed certificate",
		},
	}
	c := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Do(context.Background(), &tt.req)
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("error %T %v", err, err)
			}
			equal(t, "kind", he.Kind, KindConfig)
			equal(t, "error", he.Error(), tt.want)
			if strings.Contains(he.Error(), "s3cret") {
				t.Errorf("error leaks a secret: %v", he)
			}
		})
	}
}

// TestNoSecretsInErrors checks errors raised after the request was sent.
func TestNoSecretsInErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.mux.Handle("/a", redirectTo(302, "http://user:s3cret@"+e.host()+"/a"))
	e.mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	tests := []struct {
		name string
		req  *Request
		want string
	}{
		{
			"redirect loop with user info in Location",
			&Request{URL: "http://me:s3cret@" + e.host() + "/a", FollowRedirect: true, Headers: []Header{{"Authorization", "s3cret"}}},
			"following redirects from http://HOST/a: redirect loop: http://HOST/a -> http://HOST/a",
		},
		{
			"timeout with basic auth",
			&Request{URL: e.url("/hang"), Username: "me", Password: "s3cret", Timeout: testTimeout},
			"requesting http://HOST/hang: timeout: no response within 1s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := e.doErr(tt.req)
			equal(t, "error", err.Error(), e.expand(tt.want))
		})
	}
}

func TestRequestBodyErrors(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.mux.Handle("/", text(200, "ok"))
	short := &FilePart{FileName: "a", Size: 10, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("abc")), nil }}
	long := &FilePart{FileName: "a", Size: 2, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("abc")), nil }}
	failing := &FilePart{FileName: "a", Size: -1, Open: func() (io.ReadCloser, error) { return nil, errors.New("file store: no such file") }}
	tests := []struct {
		name string
		file *FilePart
		want string
	}{
		{"file shorter than its size", short, `sending request body to http://HOST/: reading file part "f": got 3 bytes, want 10`},
		{"file longer than its size", long, `sending request body to http://HOST/: reading file part "f": file is longer than its size 2`},
		{"file that cannot be opened", failing, `sending request body to http://HOST/: opening file part "f": file store: no such file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := e.doErr(&Request{Method: "POST", URL: e.url("/"), Body: MultipartBody([]Part{{Name: "f", File: tt.file}})})
			equal(t, "kind", err.Kind, KindRequestBody)
			equal(t, "error", err.Error(), e.expand(tt.want))
		})
	}
}

func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	c := New(WithDialContext(func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done() // a peer that never answers the SYN
		return nil, ctx.Err()
	}))
	start := time.Now()
	_, err := c.Do(context.Background(), &Request{URL: "http://127.0.0.1:9/", Timeout: testTimeout})
	var he *Error
	if !errors.As(err, &he) {
		t.Fatalf("error %T %v", err, err)
	}
	equal(t, "kind", he.Kind, KindTimeout)
	if d := time.Since(start); d < testTimeout || d > 3*testTimeout {
		t.Errorf("gave up after %v, want about %v", d, testTimeout)
	}
	_, err = c.Do(context.Background(), nil)
	equal(t, "nil request", err.Error(), "building request: nil request")
}

func TestDefaultUserAgent(t *testing.T) {
	t.Parallel()
	equal(t, "user agent", DefaultUserAgent(), "reqflow/dev")
	equal(t, "kind names", KindConnection.String()+","+KindTimeout.String()+","+KindRedirect.String()+","+KindBody.String()+","+
		KindConfig.String()+","+KindCanceled.String()+","+KindRequestBody.String()+","+ErrorKind(0).String(),
		"connection,timeout,redirect,body,config,canceled,request body,unknown")
}
