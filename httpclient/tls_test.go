package httpclient

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/internal/testcert"
)

func TestTLS(t *testing.T) {
	t.Parallel()
	certs := testcert.New(t)
	other := testcert.New(t)
	viaIntermediate := certs.ServerTLSConfig(false)
	viaIntermediate.Certificates = []tls.Certificate{certs.ServerViaIntermediate}
	// With TLS 1.3 a missing client certificate is reported after the
	// handshake, racing the request write; TLS 1.2 fails the handshake.
	requireClient12 := certs.ServerTLSConfig(true)
	requireClient12.MaxVersion = tls.VersionTLS12
	tests := []struct {
		name   string
		server *tls.Config
		host   string // URL host instead of 127.0.0.1
		req    Request
		kind   ErrorKind
		want   string // error, or body when kind is 0
	}{
		{name: "CA added to the roots", server: certs.ServerTLSConfig(false), req: Request{CA: certs.CAPEM}, want: "ok -"},
		{name: "CA bundle with an unrelated certificate first", server: certs.ServerTLSConfig(false),
			req: Request{CA: append(append([]byte{}, other.CAPEM...), certs.CAPEM...)}, want: "ok -"},
		{name: "chain through an intermediate", server: viaIntermediate, req: Request{CA: certs.CAPEM}, want: "ok -"},
		{name: "localhost", server: certs.ServerTLSConfig(false), host: "localhost", req: Request{CA: certs.CAPEM}, want: "ok -"},
		{
			name: "unknown authority", server: certs.ServerTLSConfig(false), kind: KindConnection,
			want: "requesting https://HOST/: tls: failed to verify certificate: x509: certificate signed by unknown authority",
		},
		{
			name: "wrong CA", server: certs.ServerTLSConfig(false), req: Request{CA: other.CAPEM}, kind: KindConnection,
			want: "requesting https://HOST/: tls: failed to verify certificate: x509: certificate signed by unknown authority " +
				`(possibly because of "x509: ECDSA verification failure" while trying to verify candidate authority certificate "reqflow test root CA")`,
		},
		{
			name: "host name mismatch", server: certs.ServerTLSConfig(false), host: "secure.test", req: Request{CA: certs.CAPEM}, kind: KindConnection,
			want: "requesting https://secure.test:PORT/: tls: failed to verify certificate: x509: certificate is valid for localhost, not secure.test",
		},
		{name: "rejectUnauthorized false", server: certs.ServerTLSConfig(false), req: Request{InsecureSkipVerify: true}, want: "ok -"},
		{
			name: "client certificate", server: certs.ServerTLSConfig(true),
			req: Request{CA: certs.CAPEM, Certificates: []tls.Certificate{certs.Client}}, want: "ok " + testcert.ClientCommonName,
		},
		{
			name: "client certificate required but missing", server: requireClient12, req: Request{CA: certs.CAPEM}, kind: KindConnection,
			want: "requesting https://HOST/: remote error: tls: handshake failure",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setupTLS(t, tt.server)
			e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				cn := "-"
				if len(r.TLS.PeerCertificates) > 0 {
					cn = r.TLS.PeerCertificates[0].Subject.CommonName
				}
				text(200, "ok "+cn)(w, r)
			})
			port := e.host()[strings.LastIndexByte(e.host(), ':')+1:]
			req := tt.req
			req.URL = e.url("/")
			if tt.host != "" {
				req.URL = "https://" + tt.host + ":" + port + "/"
			}
			req.Timeout = testTimeout
			if tt.kind == 0 {
				resp := e.do(&req)
				equal(t, "body", string(resp.Body), tt.want)
				return
			}
			err := e.doErr(&req)
			equal(t, "kind", err.Kind, tt.kind)
			equal(t, "error", err.Error(), strings.ReplaceAll(e.expand(tt.want), "PORT", port))
		})
	}
}

// TestTransportReuse checks that requests with the same TLS settings share
// connections and different settings do not.
func TestTransportReuse(t *testing.T) {
	t.Parallel()
	certs := testcert.New(t)
	e := setupTLS(t, certs.ServerTLSConfig(false))
	e.mux.Handle("/", text(200, "ok"))
	for range 3 {
		e.do(&Request{URL: e.url("/"), CA: certs.CAPEM})
	}
	equal(t, "dials with one setting", *e.dials, int64(1))
	e.do(&Request{URL: e.url("/"), CA: certs.CAPEM, InsecureSkipVerify: true})
	equal(t, "dials with two settings", *e.dials, int64(2))
}

// TestWireTLS checks header order and case over TLS: the server records the
// decrypted bytes.
func TestWireTLS(t *testing.T) {
	t.Parallel()
	certs := testcert.New(t)
	e := &env{t: t, mux: http.NewServeMux()}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(e.serve))
	srv.Listener = recListener{tls.NewListener(srv.Listener, certs.ServerTLSConfig(false))}
	srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, rawConnKey{}, c)
	}
	srv.Start() // plain HTTP on top of our own TLS listener
	t.Cleanup(srv.Close)
	e.srv = srv
	e.client = e.newClient()
	e.mux.Handle("/", text(200, "ok"))
	for range 2 {
		resp := e.do(&Request{Method: "post", URL: "https://" + e.host() + "/x", CA: certs.CAPEM,
			Headers: []Header{{"x-b", "1"}, {"X-a", "2"}}, Body: RawBody("text/plain", []byte("hi"))})
		equal(t, "body", string(resp.Body), "ok")
	}
	want := "POST /x HTTP/1.1\r\nHost: HOST\r\nx-b: 1\r\nX-a: 2\r\nContent-Type: text/plain\r\nUser-Agent: reqflow/test\r\nContent-Length: 2\r\n\r\nhi"
	equalSlice(t, "requests", e.requests(), []string{want, want})
	equal(t, "dials", *e.dials, int64(1))
}
