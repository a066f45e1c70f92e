package httpclient

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// TestWire checks the exact bytes of requests on the wire.
func TestWire(t *testing.T) {
	t.Parallel()
	port := func(e *env) string { return e.host()[strings.LastIndexByte(e.host(), ':')+1:] }
	tests := []struct {
		name string
		req  func(e *env) *Request
		want string
	}{
		{
			name: "method upper-cased, headers in order with exact case, no Accept",
			req: func(e *env) *Request {
				return &Request{Method: "post", URL: e.url("/p"), Headers: []Header{
					{"x-zeta", "1"}, {"X-MiXed", "a b"}, {"accept-language", "de"}, {"X-Dup", "1"}, {"x-dup", "2"},
				}, Body: RawBody("text/plain", []byte("héllo\x00"))}
			},
			want: "POST /p HTTP/1.1\r\nHost: HOST\r\nx-zeta: 1\r\nX-MiXed: a b\r\naccept-language: de\r\nX-Dup: 1\r\nx-dup: 2\r\n" +
				"Content-Type: text/plain\r\nUser-Agent: reqflow/test\r\nContent-Length: 7\r\n\r\nhéllo\x00",
		},
		{
			name: "user user-agent and content-type headers win",
			req: func(e *env) *Request {
				return &Request{Method: "Put", URL: e.url("/"), Headers: []Header{
					{"user-agent", "curl/8"}, {"content-type", "application/json"},
				}, Body: RawBody("text/plain", []byte(`{"a":1}`)), UserAgent: "ignored/1"}
			},
			want: "PUT / HTTP/1.1\r\nHost: HOST\r\nuser-agent: curl/8\r\ncontent-type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
		},
		{
			name: "request user agent",
			req:  func(e *env) *Request { return &Request{URL: e.url("/"), UserAgent: "scenario/2"} },
			want: "GET / HTTP/1.1\r\nHost: HOST\r\nUser-Agent: scenario/2\r\n\r\n",
		},
		{
			name: "basic auth is preemptive and replaces an Authorization header in place",
			req: func(e *env) *Request {
				return &Request{URL: e.url("/"), Username: "user", Password: "pä:ss",
					Headers: []Header{{"X-A", "1"}, {"authorization", "Bearer x"}, {"X-B", "2"}}}
			},
			want: "GET / HTTP/1.1\r\nHost: HOST\r\nX-A: 1\r\nauthorization: Basic dXNlcjpww6Q6c3M=\r\nX-B: 2\r\nUser-Agent: reqflow/test\r\n\r\n",
		},
		{
			name: "basic auth from URL user info",
			req: func(e *env) *Request {
				return &Request{URL: "http://u%40x:p%20w@" + e.host() + "/"}
			},
			want: "GET / HTTP/1.1\r\nHost: HOST\r\nAuthorization: Basic dUB4OnAgdw==\r\nUser-Agent: reqflow/test\r\n\r\n",
		},
		{
			name: "compressed asks for four codings",
			req:  func(e *env) *Request { return &Request{Method: "get", URL: e.url("/"), Compressed: true} },
			want: "GET / HTTP/1.1\r\nHost: HOST\r\nUser-Agent: reqflow/test\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n\r\n",
		},
		{
			name: "compressed keeps a user Accept-Encoding",
			req: func(e *env) *Request {
				return &Request{URL: e.url("/"), Compressed: true, Headers: []Header{{"accept-encoding", "gzip"}}}
			},
			want: "GET / HTTP/1.1\r\nHost: HOST\r\naccept-encoding: gzip\r\nUser-Agent: reqflow/test\r\n\r\n",
		},
		{
			name: "query appended to the kept URL query, repeated keys indexed",
			req: func(e *env) *Request {
				return &Request{URL: e.url("/s?a=1&b=%41+x"), Query: []Param{
					{"q", "a b+c/ü"}, {"x", "1"}, {"k!", "(*)"}, {"x", "2"},
				}}
			},
			want: "GET /s?a=1&b=%41+x&q=a%20b%2Bc%2F%C3%BC&x%5B0%5D=1&x%5B1%5D=2&k%21=%28%2A%29 HTTP/1.1\r\nHost: HOST\r\nUser-Agent: reqflow/test\r\n\r\n",
		},
		{
			name: "useQuerystring repeats keys",
			req: func(e *env) *Request {
				return &Request{URL: e.url("/s?"), UseQuerystring: true, Query: []Param{
					{"x", "1"}, {"k!", "(*)"}, {"x", "2 3"},
				}}
			},
			want: "GET /s?x=1&x=2%203&k!=(*) HTTP/1.1\r\nHost: HOST\r\nUser-Agent: reqflow/test\r\n\r\n",
		},
		{
			name: "path with spaces, non-ASCII, lone percent and quotes is encoded, %XX kept",
			req: func(e *env) *Request {
				return &Request{URL: e.url("/a b/ü/%41/100%/x\"y{z}?q=1 2&r=ü#frag")}
			},
			want: "GET /a%20b/%C3%BC/%41/100%25/x%22y%7Bz%7D?q=1%202&r=%C3%BC HTTP/1.1\r\nHost: HOST\r\nUser-Agent: reqflow/test\r\n\r\n",
		},
		{
			name: "serialize URL encodes reserved characters in path segments",
			req: func(e *env) *Request {
				return &Request{URL: e.url("/a:b@c;d/e+f%2F/g h?x=a:b"), SerializeURL: true}
			},
			want: "GET /a%3Ab%40c%3Bd/e%2Bf%2F/g%20h?x=a:b HTTP/1.1\r\nHost: HOST\r\nUser-Agent: reqflow/test\r\n\r\n",
		},
		{
			name: "IDN host sent as punycode",
			req: func(e *env) *Request {
				return &Request{URL: "http://bücher.test:" + port(e) + "/"}
			},
			want: "GET / HTTP/1.1\r\nHost: xn--bcher-kva.test:PORT\r\nUser-Agent: reqflow/test\r\n\r\n",
		},
		{
			name: "Host header overrides, Content-Length header ignored",
			req: func(e *env) *Request {
				return &Request{Method: "POST", URL: e.url("/"), Headers: []Header{{"X-A", "1"}, {"host", "example.org"}, {"content-length", "99"}},
					Body: RawBody("", []byte("abc"))}
			},
			want: "POST / HTTP/1.1\r\nX-A: 1\r\nhost: example.org\r\nUser-Agent: reqflow/test\r\nContent-Length: 3\r\n\r\nabc",
		},
		{
			name: "POST without body sends Content-Length 0",
			req:  func(e *env) *Request { return &Request{Method: "POST", URL: e.url("/")} },
			want: "POST / HTTP/1.1\r\nHost: HOST\r\nUser-Agent: reqflow/test\r\nContent-Length: 0\r\n\r\n",
		},
		{
			name: "empty raw body sends Content-Length 0",
			req: func(e *env) *Request {
				return &Request{Method: "PATCH", URL: e.url("/"), Body: RawBody("application/json", nil)}
			},
			want: "PATCH / HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\nUser-Agent: reqflow/test\r\nContent-Length: 0\r\n\r\n",
		},
		{
			name: "form body encoded like the query string",
			req: func(e *env) *Request {
				return &Request{Method: "POST", URL: e.url("/f"),
					Body: FormBody([]Param{{"a", "1 2"}, {"b", "é&="}, {"a", "3"}})}
			},
			want: "POST /f HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/x-www-form-urlencoded\r\nUser-Agent: reqflow/test\r\nContent-Length: 40\r\n\r\n" +
				"a%5B0%5D=1%202&a%5B1%5D=3&b=%C3%A9%26%3D",
		},
		{
			name: "form body with useQuerystring",
			req: func(e *env) *Request {
				return &Request{Method: "POST", URL: e.url("/f"), UseQuerystring: true,
					Body: FormBody([]Param{{"a", "1"}, {"a", "3"}})}
			},
			want: "POST /f HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/x-www-form-urlencoded\r\nUser-Agent: reqflow/test\r\nContent-Length: 7\r\n\r\na=1&a=3",
		},
		{
			name: "multipart with text and file parts; boundary wins over a user Content-Type",
			req: func(e *env) *Request {
				return &Request{Method: "POST", URL: e.url("/m"), Headers: []Header{{"content-type", "multipart/form-data"}},
					Body: newMultipart([]Part{
						{Name: "title", Value: "Hello"},
						{Name: "doc", File: &FilePart{FileName: "résumé.pdf", Size: 4, Open: BytesFile("", []byte("%PDF")).Open}},
						{Name: "q\"uote", File: BytesFile("data.JSON", []byte("{}"))},
						{Name: "bin", File: &FilePart{FileName: "x", ContentType: "image/x-raw", Size: 1, Open: BytesFile("", []byte{0}).Open}},
						{Name: "noext", File: BytesFile("README", []byte("r"))},
					}, "BOUNDARY")}
			},
			want: "POST /m HTTP/1.1\r\nHost: HOST\r\ncontent-type: multipart/form-data; boundary=BOUNDARY\r\nUser-Agent: reqflow/test\r\nContent-Length: 585\r\n\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"résumé.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"q%22uote\"; filename=\"data.JSON\"\r\nContent-Type: application/json\r\n\r\n{}\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"bin\"; filename=\"x\"\r\nContent-Type: image/x-raw\r\n\r\n\x00\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"noext\"; filename=\"README\"\r\nContent-Type: application/octet-stream\r\n\r\nr\r\n" +
				"--BOUNDARY--\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.mux.Handle("/", text(200, "ok"))
			resp := e.do(tt.req(e))
			equal(t, "status", resp.StatusCode, 200)
			equal(t, "body", string(resp.Body), "ok")
			got := e.requests()
			want := strings.ReplaceAll(tt.want, "PORT", port(e))
			equalSlice(t, "requests", got, []string{want})
		})
	}
}

// TestWireKeepAlive checks that header ordering survives connection reuse.
func TestWireKeepAlive(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.mux.Handle("/", text(200, "ok"))
	for i := range 3 {
		e.do(&Request{Method: "post", URL: e.url("/"), Headers: []Header{{"z", "1"}, {"a", "2"}}, Body: RawBody("", []byte{byte('0' + i)})})
	}
	want := "POST / HTTP/1.1\r\nHost: HOST\r\nz: 1\r\na: 2\r\nUser-Agent: reqflow/test\r\nContent-Length: 1\r\n\r\n"
	equalSlice(t, "requests", e.requests(), []string{want + "0", want + "1", want + "2"})
	equal(t, "dials", *e.dials, int64(1))
}

// TestMultipartStreamed checks a multipart body with a file of unknown
// size: sent chunked and parsed back by a standard server.
func TestMultipartStreamed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var got, te []string
	// The recorder drains bodies before routes run, so parse in a handler
	// of our own.
	e.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		te = r.TransferEncoding
		_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			got = append(got, fmt.Sprintf("%s|%s|%s|%d|%s", p.FormName(), p.FileName(), p.Header.Get("Content-Type"), len(b), b[:min(len(b), 12)]))
		}
	})
	opens := 0
	big := strings.Repeat("0123456789", 10000)
	file := &FilePart{FileName: "großes file.txt", ContentType: "text/plain", Size: -1, Open: func() (io.ReadCloser, error) {
		opens++
		return io.NopCloser(strings.NewReader(big)), nil
	}}
	body := MultipartBody([]Part{{Name: "a", Value: "1"}, {Name: "f", File: file}})
	equal(t, "Len", body.Len(), int64(-1))
	if !strings.HasPrefix(body.ContentType(), "multipart/form-data; boundary=------------------------reqflow") {
		t.Errorf("content type %q", body.ContentType())
	}
	resp := e.do(&Request{Method: "POST", URL: e.url("/"), Body: body})
	equal(t, "status", resp.StatusCode, 200)
	equalSlice(t, "transfer encoding", te, []string{"chunked"})
	equalSlice(t, "parts", got, []string{"a|||1|1", "f|großes file.txt|text/plain|100000|012345678901"})
	equal(t, "opens", opens, 1)
}

// TestConnectionClose checks that a user "connection: close" header is
// honoured by the transport (a new connection per request) and keeps its
// case on the wire.
func TestConnectionClose(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.mux.Handle("/", text(200, "ok"))
	for range 2 {
		e.do(&Request{URL: e.url("/"), Headers: []Header{{"connection", "close"}, {"a", "1"}}})
	}
	want := "GET / HTTP/1.1\r\nHost: HOST\r\nconnection: close\r\na: 1\r\nUser-Agent: reqflow/test\r\n\r\n"
	equalSlice(t, "requests", e.requests(), []string{want, want})
	equal(t, "dials", *e.dials, int64(2))
}
