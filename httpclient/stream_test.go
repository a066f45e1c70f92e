package httpclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("abcdefghij", 100_000)
	e := setup(t)
	e.mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		_, _ = io.WriteString(w, big)
	})
	e.mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		_, _ = io.WriteString(w, "abc")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	t.Run("slow reader is not a timeout", func(t *testing.T) {
		t.Parallel()
		sr, err := e.client.Open(context.Background(), &Request{URL: e.url("/big"), Timeout: testTimeout})
		if err != nil {
			t.Fatal(err)
		}
		defer sr.Body.Close()
		equal(t, "status", sr.StatusCode, 200)
		equal(t, "content length", sr.ContentLength, int64(len(big)))
		equal(t, "content type", sr.Header.Get("Content-Type"), "application/octet-stream")
		head := make([]byte, 10)
		if _, err := io.ReadFull(sr.Body, head); err != nil {
			t.Fatal(err)
		}
		time.Sleep(testTimeout + 300*time.Millisecond)
		rest, err := io.ReadAll(sr.Body)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "body", string(head)+string(rest) == big, true)
	})
	t.Run("stall while streaming", func(t *testing.T) {
		t.Parallel()
		sr, err := e.client.Open(context.Background(), &Request{URL: e.url("/stall"), Timeout: testTimeout})
		if err != nil {
			t.Fatal(err)
		}
		defer sr.Body.Close()
		var got bytes.Buffer
		_, err = io.Copy(&got, sr.Body)
		var he *Error
		if !errors.As(err, &he) {
			t.Fatalf("error %T %v", err, err)
		}
		equal(t, "read", got.String(), "abc")
		equal(t, "kind", he.Kind, KindTimeout)
		equal(t, "error", he.Error(), e.expand("reading response body from http://HOST/stall: timeout: no response body data for 1s"))
	})
	t.Run("close early", func(t *testing.T) {
		t.Parallel()
		sr, err := e.client.Open(context.Background(), &Request{URL: e.url("/big")})
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "close", sr.Body.Close(), nil)
		equal(t, "close again", sr.Body.Close(), nil)
		_, err = sr.Body.Read(make([]byte, 1))
		equal(t, "read after close", err.Error(), "read on closed response body")
	})
}
