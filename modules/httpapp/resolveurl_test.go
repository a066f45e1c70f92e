package httpapp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/internal/testserver"
)

func resolveModule(id int, mapper string) string {
	return fmt.Sprintf(`{"id": %d, "module": "http:ActionResolveTargetURL", "version": 3, "parameters": {}, "mapper": {%s}}`, id, mapper)
}

// hopServer serves a redirect graph: path → Location (status 302), and
// answers other paths 200, or with rejectHead for HEAD when it is set. It
// records "METHOD path" for each request and whether a body was read.
func hopServer(t *testing.T, hops map[string]string, rejectHead int) (string, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		if loc, ok := hops[r.URL.Path]; ok {
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusFound)
			return
		}
		if r.Method == http.MethodHead && rejectHead != 0 {
			w.WriteHeader(rejectHead)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(strings.Repeat("body ", 1000)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func TestResolveTargetURL(t *testing.T) {
	t.Parallel()
	chain := map[string]string{"/s/abc": "/go/abc", "/go/abc": "https-less/../final?x=1"}
	tests := []struct {
		name       string
		hops       map[string]string
		rejectHead int
		mapper     string
		wantSeen   []string
		wantURL    string
		wantStatus int
		wantHops   string
	}{
		{"HEAD through a relative chain", chain, 0, `"url": "{{var.input.base}}/s/abc"`,
			[]string{"HEAD /s/abc", "HEAD /go/abc", "HEAD /go/final?x=1"}, "/go/final?x=1", 200,
			`[{"statusCode":302,"url":"BASE/s/abc"},{"statusCode":302,"url":"BASE/go/abc"}]`},
		{"GET when asked", chain, 0, `"url": "{{var.input.base}}/s/abc", "method": "get"`,
			[]string{"GET /s/abc", "GET /go/abc", "GET /go/final?x=1"}, "/go/final?x=1", 200,
			`[{"statusCode":302,"url":"BASE/s/abc"},{"statusCode":302,"url":"BASE/go/abc"}]`},
		{"405 to HEAD is retried with GET", chain, http.StatusMethodNotAllowed, `"url": "{{var.input.base}}/s/abc"`,
			[]string{"HEAD /s/abc", "HEAD /go/abc", "HEAD /go/final?x=1", "GET /s/abc", "GET /go/abc", "GET /go/final?x=1"}, "/go/final?x=1", 200,
			`[{"statusCode":302,"url":"BASE/s/abc"},{"statusCode":302,"url":"BASE/go/abc"}]`},
		{"501 to HEAD is retried with GET", map[string]string{}, http.StatusNotImplemented, `"url": "{{var.input.base}}/plain"`,
			[]string{"HEAD /plain", "GET /plain"}, "/plain", 200, `[]`},
		{"non-ASCII Location", map[string]string{"/n": "/caf\u00e9/\u65e5\u672c?q=\u00fc"}, 0, `"url": "{{var.input.base}}/n"`,
			[]string{"HEAD /n", "HEAD /caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC"}, "/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%BC", 200,
			`[{"statusCode":302,"url":"BASE/n"}]`},
		{"no redirect", map[string]string{}, 0, `"url": "{{var.input.base}}/here"`,
			[]string{"HEAD /here"}, "/here", 200, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, seen := hopServer(t, tt.hops, tt.rejectHead)
			x := run(t, base, flow(resolveModule(1, tt.mapper)))
			got := output(t, x, 1)
			if got["url"] != base+tt.wantURL || got["statusCode"] != tt.wantStatus {
				t.Errorf("url %v status %v, want %s %d", got["url"], got["statusCode"], base+tt.wantURL, tt.wantStatus)
			}
			if hops := jsonOf(t, got["redirects"]); hops != strings.ReplaceAll(tt.wantHops, "BASE", base) {
				t.Errorf("redirects = %s\nwant %s", hops, strings.ReplaceAll(tt.wantHops, "BASE", base))
			}
			if got := strings.Join(seen(), "\n"); got != strings.Join(tt.wantSeen, "\n") {
				t.Errorf("requests:\n%s\nwant:\n%s", got, strings.Join(tt.wantSeen, "\n"))
			}
		})
	}
}

func TestResolveTargetURLErrors(t *testing.T) {
	t.Parallel()
	loop := map[string]string{"/a": "/b", "/b": "/c", "/c": "/a"}
	long := map[string]string{}
	for i := 0; i < 11; i++ {
		long[fmt.Sprintf("/%d", i)] = fmt.Sprintf("/%d", i+1)
	}
	tests := []struct {
		name     string
		hops     map[string]string
		path     string
		wantType engine.ErrorType
		wantMsg  string
	}{
		{"loop", loop, "/a", engine.RuntimeError,
			"following redirects from BASE/a: redirect loop: BASE/a -> BASE/b -> BASE/c -> BASE/a"},
		{"more than 10 hops", long, "/0", engine.RuntimeError,
			"following redirects from BASE/0: stopped after 10 redirects: BASE/0 -> BASE/1 -> BASE/2 -> BASE/3 -> BASE/4 -> BASE/5 -> BASE/6 -> BASE/7 -> BASE/8 -> BASE/9 -> BASE/10 -> BASE/11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, _ := hopServer(t, tt.hops, 0)
			x := run(t, base, flow(resolveModule(1, `"url": "{{var.input.base}}`+tt.path+`"`)))
			want := strings.ReplaceAll(tt.wantMsg, "BASE", base)
			if x.Err == nil || x.Err.Type != tt.wantType || x.Err.Message != want {
				t.Fatalf("error = %+v\nwant %s %q", x.Err, tt.wantType, want)
			}
		})
	}
	t.Run("bad method at load time", func(t *testing.T) {
		t.Parallel()
		_, err := tryRun("http://127.0.0.1:1", flow(resolveModule(1, `"url": "http://127.0.0.1:1/", "method": "post"`)))
		if err == nil || !strings.Contains(err.Error(), `field "method"`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestResolveTargetURLOnTheTestServer(t *testing.T) {
	t.Parallel()
	srv := testserver.NewTest(t)
	x := run(t, srv.URL, flow(resolveModule(1, `"url": "{{var.input.base}}/reqflow/redirect/relative"`)))
	got := output(t, x, 1)
	if got["url"] != srv.URL+"/anything/relative?from=reqflow" || got["statusCode"] != 200 {
		t.Fatalf("output = %s", jsonOf(t, got))
	}
}
