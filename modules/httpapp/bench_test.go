package httpapp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/store"
)

// benchServer answers every request with a small JSON document.
func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id": 42, "user": {"name": "Ada", "email": "ada@example.test"}, "tags": ["a", "b", "c"]}`)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkMakeRequest runs one "Make a request" operation per iteration:
// GET, parse JSON, one mapped field in the URL, through the whole engine.
func BenchmarkMakeRequest(b *testing.B) {
	srv := benchServer(b)
	reg := engine.NewRegistry()
	if err := Register(reg, httpclient.New()); err != nil {
		b.Fatal(err)
	}
	bp, err := blueprint.Decode([]byte(flow(v3(1, `"handleErrors": true`,
		`"url": "{{var.input.base}}/users/{{var.input.id}}", "method": "get", "parseResponse": true`))))
	if err != nil {
		b.Fatal(err)
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	opts := engine.RunOptions{Inputs: map[string]any{"base": srv.URL, "id": "7"}}
	b.ReportAllocs()
	for b.Loop() {
		x, err := sc.Run(context.Background(), opts)
		if err != nil || x.Status != engine.StatusSuccess {
			b.Fatalf("%v %v", err, x.Err)
		}
	}
}

// BenchmarkPlainClient is the baseline: the same request made with a plain
// net/http client and the body decoded with encoding/json.
func BenchmarkPlainClient(b *testing.B) {
	srv := benchServer(b)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Get(srv.URL + "/users/7")
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticatedRequests runs the benchmark request through each
// authenticated module with a stored connection: the difference from
// BenchmarkMakeRequest is the cost of the connection (for OAuth 2.0, a
// store read and an unseal per request, so that a token refreshed by
// another process is used at once).
func BenchmarkAuthenticatedRequests(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Dir: b.TempDir(), MasterKey: testMasterKey})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	m := connections.NewManager(st)
	for _, c := range []*connections.Connection{basicConn, headerConn, {Name: "api", Kind: connections.KindOAuth2, OAuth2: &connections.OAuth2{
		Flow: connections.FlowCode, AuthorizeURI: srv.URL, TokenURI: srv.URL, ClientID: "c",
		Token: &connections.Token{AccessToken: "tok", Expiry: time.Now().Add(24 * time.Hour)}}}} {
		if err := m.Create(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	ids := map[string]string{"1": "afk", "2": "hdr", "3": "api"}
	for _, mod := range []struct{ name, module, param string }{
		{"basic", "http:ActionSendDataBasicAuth", `"key": 1`},
		{"apikey", "http:ActionSendDataAPIKeyAuth", `"auth": 2`},
		{"oauth2", "http:ActionSendDataAdvanced", `"__IMTCONN__": 3`},
	} {
		b.Run(mod.name, func(b *testing.B) {
			reg := engine.NewRegistry()
			if err := Register(reg, httpclient.New(), WithConnections(connections.NewManagerResolver(ids, m))); err != nil {
				b.Fatal(err)
			}
			bp, _ := blueprint.Decode([]byte(flow(module(1, mod.module, 3, mod.param+`, "handleErrors": true`,
				`"url": "{{var.input.base}}/users/{{var.input.id}}", "method": "get", "parseResponse": true`))))
			sc, err := engine.Load(reg, bp, engine.LoadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			opts := engine.RunOptions{Inputs: map[string]any{"base": srv.URL, "id": "7"}}
			b.ReportAllocs()
			for b.Loop() {
				x, err := sc.Run(ctx, opts)
				if err != nil || x.Status != engine.StatusSuccess {
					b.Fatalf("%v %v", err, x.Err)
				}
			}
		})
	}
}
