package httpapp

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestEmptyBodiesParseToEmptyText(t *testing.T) {
	t.Parallel()
	base, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/404":
			w.WriteHeader(http.StatusNotFound)
		default:
			fmt.Fprint(w, `{"a": 1}`)
		}
	})
	for _, c := range []struct{ method, path string }{{"head", "/json"}, {"get", "/204"}, {"get", "/404"}} {
		x := run(t, base, flow(v3(1, ``, `"url": "{{var.input.base}}`+c.path+`", "method": "`+c.method+`", "parseResponse": true`)))
		if out := output(t, x, 1); out["data"] != "" {
			t.Errorf("%s %s: data = %#v", c.method, c.path, out["data"])
		}
	}
}

func TestTransportFailuresHaveMakesErrorTypes(t *testing.T) {
	t.Parallel()
	// A port that refuses connections: listen, note the address, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()

	// A server that sends its head and half the body, then stalls.
	stall := make(chan struct{})
	base, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stall":
			w.Header().Set("Content-Length", "10")
			fmt.Fprint(w, "12345")
			w.(http.Flusher).Flush()
			select {
			case <-stall:
			case <-r.Context().Done():
			}
		case "/short":
			w.Header().Set("Content-Length", "10")
			fmt.Fprint(w, "12345")
		case "/badjson":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"a": }`)
		}
	})
	// Registered after setup, so it runs before the server closes.
	t.Cleanup(func() { close(stall) })
	cases := []struct{ url, wantType, wantMsg string }{
		{"http://" + refused + "/", "ConnectionError", "refused"},
		{base + "/stall", "ModuleTimeoutError", ""},
		{base + "/short", "DataError", ""},
		{base + "/badjson", "DataError", "JSON"},
		{"ftp://" + refused + "/", "InvalidConfigurationError", "ftp"},
	}
	for _, c := range cases {
		t.Run(c.wantType+" "+c.url, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			x := run(t, c.url, flow(v3(1, ``, `"url": "{{var.input.base}}", "timeout": "1", "parseResponse": true`)))
			if x.Err == nil {
				t.Fatalf("no error; outputs %+v", x.Modules[0].Operations[0].Outputs)
			}
			if string(x.Err.Type) != c.wantType || !strings.Contains(x.Err.Message, c.wantMsg) {
				t.Errorf("error = %s: %s", x.Err.Type, x.Err.Message)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s with a 1 s timeout", d)
			}
		})
	}
}
