package httpapp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/store"
)

const testMasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// newManager opens a store in a temporary folder and creates conns in it.
func newManager(t *testing.T, conns ...*connections.Connection) *connections.Manager {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{Dir: t.TempDir(), MasterKey: testMasterKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	m := connections.NewManager(st)
	for _, c := range conns {
		if err := m.Create(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// runConns loads src with the HTTP modules and the connection mapping ids
// and runs it with base as {{var.input.base}}.
func runConns(m *connections.Manager, ids map[string]string, base, src string, client *httpclient.Client) (*engine.Execution, error) {
	reg := engine.NewRegistry()
	if client == nil {
		client = httpclient.New()
	}
	if err := Register(reg, client, WithConnections(connections.NewManagerResolver(ids, m))); err != nil {
		return nil, err
	}
	bp, err := blueprint.Decode([]byte(src))
	if err != nil {
		return nil, err
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{})
	if err != nil {
		return nil, err
	}
	return sc.Run(context.Background(), engine.RunOptions{Inputs: map[string]any{"base": base}})
}

func module(id int, typ string, version int, params, mapper string) string {
	return fmt.Sprintf(`{"id": %d, "module": %q, "version": %d, "parameters": {%s}, "mapper": {%s}}`, id, typ, version, params, mapper)
}

var (
	basicConn  = &connections.Connection{Name: "afk", Kind: connections.KindBasic, Basic: &connections.Basic{Username: "ada", Password: "s3cret-pass"}}
	headerConn = &connections.Connection{Name: "hdr", Kind: connections.KindAPIKey, APIKey: &connections.APIKey{Key: "key-in-header", Placement: "header", Name: "X-Api-Key"}}
	queryConn  = &connections.Connection{Name: "qs", Kind: connections.KindAPIKey, APIKey: &connections.APIKey{Key: "key in/query", Placement: "qs", Name: "api_key"}}
)

func TestKeychainModules(t *testing.T) {
	t.Parallel()
	base, got := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok": true}`)
	})
	m := newManager(t, basicConn, headerConn, queryConn)
	ids := map[string]string{"71843": "afk", "72749": "hdr", "9": "qs"}
	tests := []struct {
		name       string
		module     string
		wantQuery  string
		wantHeader map[string]string
	}{
		{"basic v3", module(1, "http:ActionSendDataBasicAuth", 3, `"key": 71843, "handleErrors": false`,
			`"url": "{{var.input.base}}/swap", "method": "post", "headers": [{"name": "Idempotency-Key", "value": "1"}], "bodyType": "raw", "contentType": "application/json", "data": "{}", "timeout": "", "parseResponse": true`),
			"", map[string]string{"Authorization": "Basic YWRhOnMzY3JldC1wYXNz", "Idempotency-Key": "1", "Content-Type": "application/json"}},
		{"api key header v3 replaces a header of the same name", module(1, "http:ActionSendDataAPIKeyAuth", 3, `"auth": "72749"`,
			`"url": "{{var.input.base}}/b", "headers": [{"name": "x-api-key", "value": "mapped"}, {"name": "Accept", "value": "*/*"}], "parseResponse": "true"`),
			"", map[string]string{"X-Api-Key": "key-in-header", "Accept": "*/*"}},
		{"api key query v3", module(1, "http:ActionSendDataAPIKeyAuth", 3, `"auth": 9`,
			`"url": "{{var.input.base}}/b?x=1", "qs": [{"name": "chain", "value": "ethereum"}], "parseResponse": true`),
			"x=1&chain=ethereum&api_key=key%20in%2Fquery", map[string]string{"Authorization": ""}},
		{"basic v4", module(1, "http:MakeRequest", 4, `"authenticationType": "basicAuth", "basicAuthKeychain": 71843`,
			`"url": "{{var.input.base}}/v4", "method": "get"`),
			"", map[string]string{"Authorization": "Basic YWRhOnMzY3JldC1wYXNz"}},
		{"api key v4 query", module(1, "http:MakeRequest", 4, `"authenticationType": "apiKey", "apiKeyKeychain": 9`,
			`"url": "{{var.input.base}}/v4", "queryParameters": [{"name": "a", "value": "b"}]`),
			"a=b&api_key=key%20in%2Fquery", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(*got)
			x, err := runConns(m, ids, base, flow(tt.module), nil)
			if err != nil {
				t.Fatal(err)
			}
			if b := output(t, x, 1); jsonOf(t, b["data"]) != `{"ok":true}` {
				t.Errorf("data = %s", jsonOf(t, b["data"]))
			}
			req := (*got)[n]
			if req.RawQuery != tt.wantQuery {
				t.Errorf("query = %q, want %q", req.RawQuery, tt.wantQuery)
			}
			for k, v := range tt.wantHeader {
				if got := strings.Join(req.Header.Values(k), "|"); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if report := jsonOf(t, x.Report()); strings.Contains(report, "s3cret") || strings.Contains(report, "key-in") || strings.Contains(report, "key in") {
				t.Errorf("a secret is in the report: %s", report)
			}
		})
	}
}

// The tests above run in sequence on one server; the table is small.

func TestKeychainLoadErrors(t *testing.T) {
	t.Parallel()
	m := newManager(t, basicConn, headerConn)
	ids := map[string]string{"1": "afk", "2": "hdr", "3": "gone"}
	tests := []struct {
		module, want string
	}{
		{module(4, "http:ActionSendDataBasicAuth", 3, `"key": 71843`, `"url": "http://127.0.0.1/"`),
			`module 4 (http:ActionSendDataBasicAuth): parameters: field "key": connection id 71843 is not mapped to a stored connection (run with --connection 71843=NAME)`},
		{module(4, "http:ActionSendDataBasicAuth", 3, `"key": ""`, `"url": "http://127.0.0.1/"`),
			`module 4 (http:ActionSendDataBasicAuth): parameters: field "key": the id of the basic connection is required`},
		{module(4, "http:ActionSendDataAPIKeyAuth", 3, `"auth": 1`, `"url": "http://127.0.0.1/"`),
			`module 4 (http:ActionSendDataAPIKeyAuth): parameters: field "auth": connection id 1: connection "afk" is a basic connection; this module needs apikey`},
		{module(4, "http:ActionSendDataAPIKeyAuth", 3, `"auth": 3`, `"url": "http://127.0.0.1/"`),
			`module 4 (http:ActionSendDataAPIKeyAuth): parameters: field "auth": connection id 3: connection "gone": not found`},
		{module(4, "http:MakeRequest", 4, `"authenticationType": "apiKey", "apiKeyKeychain": 77`, `"url": "http://127.0.0.1/"`),
			`module 4 (http:MakeRequest): parameters: field "apiKeyKeychain": connection id 77 is not mapped to a stored connection (run with --connection 77=NAME)`},
		{module(4, "http:ActionSendDataAdvanced", 3, `"__IMTCONN__": 5`, `"url": "http://127.0.0.1/"`),
			`module 4 (http:ActionSendDataAdvanced): parameters: field "__IMTCONN__": connection id 5 is not mapped to a stored connection (run with --connection 5=NAME)`},
		{module(4, "http:ActionSendData", 3, ``, `"url": "http://127.0.0.1/", "useMtls": true`),
			`module 4 (http:ActionSendData): mapper: field "useMtls": useMtls: no instance-wide client certificate is configured (add one with: reqflow keys add cert NAME --cert FILE --key FILE --mtls)`},
	}
	for _, tt := range tests {
		_, err := runConns(m, ids, "", flow(tt.module), nil)
		if err == nil || err.Error() != "the scenario cannot run:\n  "+tt.want {
			t.Errorf("error = %v\nwant %s", err, tt.want)
		}
	}
}

// TestSecretsScrubbedFromErrors fails a request whose URL carries an API
// key: the error names the URL without the key.
func TestSecretsScrubbedFromErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: connection refused
	m := newManager(t, queryConn)
	x, err := runConns(m, map[string]string{"9": "qs"}, "http://"+addr, flow(module(1, "http:ActionSendDataAPIKeyAuth", 3, `"auth": 9`, `"url": "{{var.input.base}}/x"`)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if x.Err == nil {
		t.Fatal("no error")
	}
	msg := x.Err.Message
	if x.Err.Type != engine.ConnectionError || strings.Contains(msg, "key%20in") || strings.Contains(msg, "key in") || !strings.Contains(msg, "api_key=[redacted]") {
		t.Errorf("error = %s: %s", x.Err.Type, msg)
	}
	if strings.Contains(fmt.Sprint(x.Err.Unwrap()), "key%20in") {
		t.Error("the cause chain holds the key")
	}
}

// TestAPIKeyHeaderDroppedAcrossHosts follows a redirect from 127.0.0.1 to
// localhost: the key header of the connection stays behind.
func TestAPIKeyHeaderDroppedAcrossHosts(t *testing.T) {
	t.Parallel()
	other, got := setup(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	otherURL := strings.Replace(other, "127.0.0.1", "localhost", 1)
	base, first := setup(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/landing", http.StatusFound)
	})
	m := newManager(t, headerConn)
	x, err := runConns(m, map[string]string{"2": "hdr"}, base, flow(module(1, "http:ActionSendDataAPIKeyAuth", 3, `"auth": 2`, `"url": "{{var.input.base}}/start"`)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b := output(t, x, 1); b["data"] != "ok" {
		t.Fatalf("output %v", b)
	}
	if k := (*first)[0].Header.Get("X-Api-Key"); k != "key-in-header" {
		t.Errorf("first hop key %q", k)
	}
	if k := (*got)[0].Header.Values("X-Api-Key"); len(k) != 0 {
		t.Errorf("the key followed the redirect to another host: %q", k)
	}
}
