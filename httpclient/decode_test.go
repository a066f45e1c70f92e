package httpclient

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

func encode(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "zlib":
		w = zlib.NewWriter(&b)
	case "flate":
		w, _ = flate.NewWriter(&b, flate.BestCompression)
	case "br":
		w = brotli.NewWriter(&b)
	case "zstd":
		zw, err := zstd.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	default:
		t.Fatalf("unknown coding %q", coding)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecoding(t *testing.T) {
	t.Parallel()
	const text = `{"hello":"wörld","n":[1,2,3]}`
	tests := []struct {
		name       string
		encoding   string
		body       func(t *testing.T) []byte
		compressed bool
		want       string
		wantErr    string
	}{
		{name: "gzip", encoding: "gzip", body: func(t *testing.T) []byte { return encode(t, "gzip", []byte(text)) }, compressed: true, want: text},
		{name: "x-gzip", encoding: "x-gzip", body: func(t *testing.T) []byte { return encode(t, "gzip", []byte(text)) }, compressed: true, want: text},
		{name: "deflate zlib-wrapped", encoding: "deflate", body: func(t *testing.T) []byte { return encode(t, "zlib", []byte(text)) }, compressed: true, want: text},
		{name: "deflate raw", encoding: "Deflate", body: func(t *testing.T) []byte { return encode(t, "flate", []byte(text)) }, compressed: true, want: text},
		{name: "br", encoding: "br", body: func(t *testing.T) []byte { return encode(t, "br", []byte(text)) }, compressed: true, want: text},
		{name: "zstd", encoding: "zstd", body: func(t *testing.T) []byte { return encode(t, "zstd", []byte(text)) }, compressed: true, want: text},
		{
			name: "gzip then br", encoding: "gzip, br", compressed: true, want: text,
			body: func(t *testing.T) []byte { return encode(t, "br", encode(t, "gzip", []byte(text))) },
		},
		{name: "gzip on an empty body", encoding: "gzip", body: func(*testing.T) []byte { return nil }, compressed: true, want: ""},
		{name: "gzip on a body that is not compressed", encoding: "gzip", body: func(*testing.T) []byte { return []byte(text) }, compressed: true, want: text},
		{name: "zstd on a body that is not compressed", encoding: "zstd", body: func(*testing.T) []byte { return []byte(text) }, compressed: true, want: text},
		{name: "deflate on a body that is not compressed", encoding: "deflate", body: func(*testing.T) []byte { return []byte("plain") }, compressed: true, want: "plain"},
		{name: "br on a body that is not compressed", encoding: "br", body: func(*testing.T) []byte { return []byte(text) }, compressed: true, want: text},
		{name: "unknown coding kept", encoding: "compress", body: func(*testing.T) []byte { return []byte("xyz") }, compressed: true, want: "xyz"},
		{
			name: "not compressed: body as received", encoding: "gzip", want: string(encode(t, "gzip", []byte(text))),
			body: func(t *testing.T) []byte { return encode(t, "gzip", []byte(text)) },
		},
		{
			name: "corrupt gzip after a valid header", encoding: "gzip", compressed: true,
			body: func(t *testing.T) []byte {
				b := encode(t, "gzip", bytes.Repeat([]byte(text), 100))
				for i := 12; i < len(b)-8; i++ {
					b[i] ^= 0x55
				}
				return b
			},
			wantErr: "decoding response body from http://HOST/: gzip: flate: corrupt input before offset 10",
		},
		{
			name: "truncated gzip", encoding: "gzip", compressed: true,
			body: func(t *testing.T) []byte {
				b := encode(t, "gzip", bytes.Repeat([]byte(text), 100))
				return b[:len(b)/2]
			},
			wantErr: "decoding response body from http://HOST/: gzip: truncated data",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			body := tt.body(t)
			e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tt.encoding)
				_, _ = w.Write(body)
			})
			req := &Request{URL: e.url("/"), Compressed: tt.compressed}
			if tt.wantErr != "" {
				err := e.doErr(req)
				equal(t, "kind", err.Kind, KindBody)
				equal(t, "error", err.Error(), e.expand(tt.wantErr))
				return
			}
			resp := e.do(req)
			equal(t, "body", string(resp.Body), tt.want)
			equal(t, "Content-Encoding", resp.Header.Get("Content-Encoding"), tt.encoding)
		})
	}
}

// TestDecodedSizeCap checks that a gzip bomb stops at the cap.
func TestDecodedSizeCap(t *testing.T) {
	t.Parallel()
	bomb := encode(t, "gzip", make([]byte, 32<<20))
	e := setup(t)
	e.mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb)
	})
	e.mux.HandleFunc("/plain", text(200, strings.Repeat("x", 1025)))
	tests := []struct {
		name, path string
		max        int64
		want       string
	}{
		{"gzip bomb", "/bomb", 1 << 20, "reading response body from http://HOST/bomb: body exceeds the limit of 1048576 bytes"},
		{"plain body over the cap", "/plain", 1024, "reading response body from http://HOST/plain: body exceeds the limit of 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.doErr(&Request{URL: e.url(tt.path), Compressed: true, MaxBodySize: tt.max})
			equal(t, "kind", err.Kind, KindBody)
			equal(t, "error", err.Error(), e.expand(tt.want))
		})
	}
	t.Run("exactly at the cap", func(t *testing.T) {
		resp := e.do(&Request{URL: e.url("/plain"), MaxBodySize: 1025})
		equal(t, "length", len(resp.Body), 1025)
	})
	t.Run("stream without cap", func(t *testing.T) {
		sr, err := e.client.Open(context.Background(), &Request{URL: e.url("/bomb"), Compressed: true})
		if err != nil {
			t.Fatal(err)
		}
		defer sr.Body.Close()
		n, err := io.Copy(io.Discard, sr.Body)
		equal(t, "error", err, nil)
		equal(t, "length", n, int64(32<<20))
	})
}

// TestDecodedKeepAlive checks that a decoded body leaves its connection
// reusable.
func TestDecodedKeepAlive(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, coding := range []string{"gzip", "br", "zstd"} {
		body := encode(t, coding, []byte("hello"))
		e.mux.HandleFunc("/"+coding, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", coding)
			_, _ = w.Write(body)
		})
	}
	for _, coding := range []string{"gzip", "br", "zstd", "gzip"} {
		resp := e.do(&Request{URL: e.url("/" + coding), Compressed: true})
		equal(t, coding, string(resp.Body), "hello")
	}
	equal(t, "dials", *e.dials, int64(1))
}
