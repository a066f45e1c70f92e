package httpclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

const benchJSON = `{"id":12345,"name":"reqflow","tags":["a","b","c"],"ok":true}`

func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, benchJSON)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkDo measures a GET of a small JSON body through Client.Do.
func BenchmarkDo(b *testing.B) {
	srv := benchServer(b)
	c := New()
	defer c.CloseIdleConnections()
	req := &Request{URL: srv.URL + "/json", Headers: []Header{{"Accept", "application/json"}}, Compressed: true}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Do(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		if len(resp.Body) != len(benchJSON) {
			b.Fatalf("body %q", resp.Body)
		}
	}
}

// BenchmarkNetHTTP does the same with a plain http.Client.
func BenchmarkNetHTTP(b *testing.B) {
	srv := benchServer(b)
	c := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer c.CloseIdleConnections()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/json", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || len(body) != len(benchJSON) {
			b.Fatalf("body %q, %v", body, err)
		}
	}
}
