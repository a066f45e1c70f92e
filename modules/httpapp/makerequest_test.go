package httpapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

// received is what a test server saw of one request.
type received struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

// setup starts a loopback server that records every request and answers
// with handler, and returns its URL and the recorded requests.
func setup(t *testing.T, handler http.HandlerFunc) (string, *[]received) {
	t.Helper()
	var got []received
	var mu sync.Mutex // parallel subtests share one server
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body)})
		mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &got
}

// run loads a blueprint with the HTTP modules and runs it with the given
// base URL as {{var.input.base}}.
func run(t *testing.T, base, src string) *engine.Execution {
	t.Helper()
	x, err := tryRun(base, src)
	if err == nil && x.Err != nil {
		t.Logf("execution error: %v", x.Err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func tryRun(base, src string) (*engine.Execution, error) {
	reg := engine.NewRegistry()
	if err := Register(reg, httpclient.New()); err != nil {
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
	return sc.Run(context.Background(), engine.RunOptions{Inputs: map[string]any{"base": base, "id": "7"}})
}

// v3 builds a one-module blueprint of Make a request with the given mapper
// fields (JSON object members) and parameters.
func v3(id int, params, mapper string) string {
	return fmt.Sprintf(`{"id": %d, "module": "http:ActionSendData", "version": 3, "parameters": {%s}, "mapper": {%s}}`, id, params, mapper)
}

func flow(modules ...string) string {
	return `{"name": "test", "flow": [` + strings.Join(modules, ",") + `]}`
}

func output(t *testing.T, x *engine.Execution, module int) bundle.Bundle {
	t.Helper()
	for _, m := range x.Modules {
		if m.ID == module {
			if len(m.Operations) != 1 || m.Operations[0].Err != nil || len(m.Operations[0].Outputs) != 1 {
				t.Fatalf("module %d: %+v (error %v)", module, m.Operations, x.Err)
			}
			return m.Operations[0].Outputs[0]
		}
	}
	t.Fatalf("module %d did not run (error %v)", module, x.Err)
	return nil
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(bundle.ToJSON(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGetWithQueryHeadersAndParsedJSON(t *testing.T) {
	t.Parallel()
	base, got := setup(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Add("X-Multi", "one")
		w.Header().Add("X-Multi", "two")
		fmt.Fprint(w, `{"id": 12345678901234567890123, "items": [{"name": "first"}]}`)
	})
	x := run(t, base, flow(v3(1, `"handleErrors": false`, `"url": "{{var.input.base}}/items?keep=a%20b", "method": "get",
		"headers": [{"name": "X-Api-Version", "value": "2"}],
		"qs": [{"name": "tag", "value": "x y"}, {"name": "tag", "value": "ü+"}, {"name": "q", "value": "1"}],
		"parseResponse": true, "bodyType": "", "contentType": "application/json"`)))
	req := (*got)[0]
	if req.Method != "GET" || req.RawQuery != "keep=a%20b&tag%5B0%5D=x%20y&tag%5B1%5D=%C3%BC%2B&q=1" {
		t.Errorf("request: %s ?%s", req.Method, req.RawQuery)
	}
	if req.Header.Get("X-Api-Version") != "2" || req.Header.Get("Accept") != "" || !strings.HasPrefix(req.Header.Get("User-Agent"), "reqflow/") {
		t.Errorf("headers: %v", req.Header)
	}
	out := output(t, x, 1)
	if got, want := jsonOf(t, out["data"]), `{"id":12345678901234567890123,"items":[{"name":"first"}]}`; got != want {
		t.Errorf("data = %s, want %s", got, want)
	}
	if out["statusCode"] != 200 {
		t.Errorf("statusCode = %v", out["statusCode"])
	}
	h := out["headers"].(map[string]any)
	if jsonOf(t, h["set-cookie"]) != `["a=1","b=2"]` || h["x-multi"] != "one, two" || h["content-type"] != "application/json" {
		t.Errorf("headers = %s", jsonOf(t, h))
	}
	if jsonOf(t, out["cookieHeaders"]) != `["a=1","b=2"]` {
		t.Errorf("cookieHeaders = %s", jsonOf(t, out["cookieHeaders"]))
	}
}

func TestUseQuerystringKeepsRepeatedKeys(t *testing.T) {
	t.Parallel()
	base, got := setup(t, func(w http.ResponseWriter, r *http.Request) {})
	run(t, base, flow(v3(1, ``, `"url": "{{var.input.base}}/", "useQuerystring": true,
		"qs": [{"name": "foo", "value": "bar"}, {"name": "foo", "value": "baz"}]`)))
	if q := (*got)[0].RawQuery; q != "foo=bar&foo=baz" {
		t.Errorf("query = %s", q)
	}
}

func TestBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, mapper, wantType, wantBody string
	}{
		{"raw json", `"bodyType": "raw", "contentType": "application/json", "data": "{\"id\": \"{{var.input.id}}\"}"`, "application/json", `{"id": "7"}`},
		{"raw custom", `"bodyType": "raw", "contentType": "custom", "customContentType": "application/vnd.x+json", "data": "[1]"`, "application/vnd.x+json", `[1]`},
		{"header wins", `"bodyType": "raw", "contentType": "application/json", "data": "x", "headers": [{"name": "Content-Type", "value": "text/csv"}]`, "text/csv", `x`},
		{"urlencoded", `"bodyType": "x_www_form_urlencoded", "formFields": [{"key": "a b", "value": "1&2"}, {"key": "c", "value": "é"}], "data": "ignored"`, "application/x-www-form-urlencoded", `a%20b=1%262&c=%C3%A9`},
		{"empty body type sends no body", `"bodyType": "", "contentType": "application/json", "data": "ignored"`, "", ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			base, got := setup(t, func(w http.ResponseWriter, r *http.Request) {})
			run(t, base, flow(v3(1, ``, `"url": "{{var.input.base}}/", "method": "post", `+c.mapper)))
			req := (*got)[0]
			if req.Method != "POST" || req.Header.Get("Content-Type") != c.wantType || req.Body != c.wantBody {
				t.Errorf("got %s %q %q, want POST %q %q", req.Method, req.Header.Get("Content-Type"), req.Body, c.wantType, c.wantBody)
			}
		})
	}
}

func TestMultipartWithTextAndFile(t *testing.T) {
	t.Parallel()
	type part struct{ name, file, ctype, body string }
	var parts []part
	base, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Error(err)
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
		}
	}))
	t.Cleanup(srv.Close)
	_ = base
	run(t, srv.URL, flow(v3(1, ``, `"url": "{{var.input.base}}/upload", "method": "post", "bodyType": "multipart_form_data",
		"formDataFields": [{"fieldType": "text", "key": "purpose", "value": "fine-tune"},
		                   {"fieldType": "file", "key": "file", "data": "a,b\n1,2\n", "fileName": "data.csv"}]`)))
	want := []part{{"purpose", "", "", "fine-tune"}, {"file", "data.csv", "text/csv; charset=utf-8", "a,b\n1,2\n"}}
	if fmt.Sprint(parts) != fmt.Sprint(want) {
		t.Errorf("parts = %q\nwant %q", parts, want)
	}
}

func TestEvaluateAllStatesAsErrors(t *testing.T) {
	t.Parallel()
	base, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.Error(w, "no such item", http.StatusNotFound)
		case "/busy":
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/moved":
			w.Header().Set("Location", "/elsewhere")
			w.WriteHeader(http.StatusFound)
		}
	})
	cases := []struct {
		path, params, wantErr string
		wantStatus            int
	}{
		{"/missing", `"handleErrors": true`, `{"module":1,"type":"RuntimeError","message":"[404] no such item","statusCode":404}`, 0},
		{"/missing", `"handleErrors": "true"`, `{"module":1,"type":"RuntimeError","message":"[404] no such item","statusCode":404}`, 0},
		{"/busy", `"handleErrors": true`, `{"module":1,"type":"RateLimitError","message":"[429] Too Many Requests","statusCode":429}`, 0},
		{"/missing", `"handleErrors": false`, ``, 404},
		{"/moved", `"handleErrors": true`, ``, 302},
	}
	for _, c := range cases {
		t.Run(c.path+" "+c.params, func(t *testing.T) {
			t.Parallel()
			x := run(t, base, flow(v3(1, c.params, `"url": "{{var.input.base}}`+c.path+`", "method": "post"`)))
			if c.wantErr != "" {
				if x.Status != engine.StatusError {
					t.Fatalf("status %s", x.Status)
				}
				if got := marshal(t, x.Report().Error); got != c.wantErr {
					t.Errorf("error = %s\nwant %s", got, c.wantErr)
				}
				if c.wantStatus == 0 && strings.Contains(c.path, "busy") && x.Err.RetryAfter != "30" {
					t.Errorf("retry after = %q", x.Err.RetryAfter)
				}
				return
			}
			if out := output(t, x, 1); out["statusCode"] != c.wantStatus {
				t.Errorf("statusCode = %v", out["statusCode"])
			}
		})
	}
}

func TestSharedCookiesStayWithinOneExecution(t *testing.T) {
	t.Parallel()
	base, got := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
			http.Redirect(w, r, "/home", http.StatusFound)
		}
	})
	src := flow(
		v3(1, ``, `"url": "{{var.input.base}}/login", "shareCookies": true`),
		v3(2, ``, `"url": "{{var.input.base}}/shared", "shareCookies": true`),
		v3(3, ``, `"url": "{{var.input.base}}/private", "shareCookies": false`),
	)
	x := run(t, base, src)
	if c := jsonOf(t, output(t, x, 1)["cookieHeaders"]); c != `["session=s1; Path=/"]` {
		t.Errorf("cookieHeaders of the login = %s", c)
	}
	cookies := map[string]string{}
	for _, r := range *got {
		cookies[r.Path] = r.Header.Get("Cookie")
	}
	if cookies["/home"] != "session=s1" || cookies["/shared"] != "session=s1" || cookies["/private"] != "" {
		t.Errorf("cookies sent: %q", cookies)
	}
	// A second execution starts with an empty jar.
	*got = nil
	run(t, base, flow(v3(2, ``, `"url": "{{var.input.base}}/shared", "shareCookies": true`)))
	if c := (*got)[0].Header.Get("Cookie"); c != "" {
		t.Errorf("a new execution sent cookie %q", c)
	}
}

func TestBadConfigurationNamesModuleAndField(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, mapper, want string }{
		{"static timeout", `"url": "http://127.0.0.1:1/", "timeout": "500"`, "module 1 (http:ActionSendData): mapper: field \"timeout\": must be between 1 and 300, got 500"},
		{"static method", `"url": "http://127.0.0.1:1/", "method": "fetch"`, "module 1 (http:ActionSendData): mapper: field \"method\": expected one of get, head, post, put, patch, delete, options, got \"fetch\""},
		{"bad formula", `"url": "{{1.a"`, "module 1 (http:ActionSendData): field \"url\": "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := tryRun("", flow(v3(1, ``, c.mapper)))
			var ue *engine.UnsupportedError
			if !errors.As(err, &ue) || !strings.HasPrefix(ue.Problems[0].String(), c.want) {
				t.Errorf("error = %v\nwant prefix %s", err, c.want)
			}
		})
	}
	// A mapped timeout is checked when the operation runs.
	x := run(t, "0", flow(v3(1, ``, `"url": "http://127.0.0.1:1/", "timeout": "{{var.input.base}}"`)))
	if got := marshal(t, x.Report().Error); got != `{"module":1,"type":"InvalidConfigurationError","message":"field \"timeout\": must be between 1 and 300, got 0"}` {
		t.Errorf("error = %s", got)
	}
}

func TestMakeRequestV4(t *testing.T) {
	t.Parallel()
	base, got := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok": true}`)
	})
	v4 := func(id int, mapper string) string {
		return fmt.Sprintf(`{"id": %d, "module": "http:MakeRequest", "version": 4, "parameters": {"authenticationType": "noAuth", "tlsType": ""}, "mapper": {%s}}`, id, mapper)
	}
	x := run(t, base, flow(v4(1, `"url": "{{var.input.base}}/post", "method": "post", "contentType": "json", "inputMethod": "jsonString",
		"jsonStringBodyContent": "{\"a\": 1}", "queryParameters": [{"name": "x", "value": "1"}]`)))
	if jsonOf(t, output(t, x, 1)["data"]) != `{"ok":true}` {
		t.Errorf("data = %s", jsonOf(t, output(t, x, 1)["data"]))
	}
	req := (*got)[0]
	if req.Method != "POST" || req.RawQuery != "x=1" || req.Body != `{"a": 1}` || req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request = %+v", req)
	}
	x = run(t, base, flow(v4(1, `"url": "{{var.input.base}}/fail"`)))
	if got := marshal(t, x.Report().Error); got != `{"module":1,"type":"RuntimeError","message":"[500] Internal Server Error","statusCode":500}` {
		t.Errorf("error = %s", got)
	}
	_, err := tryRun(base, flow(`{"id": 1, "module": "http:MakeRequest", "version": 4, "parameters": {"authenticationType": "oAuth"}, "mapper": {"url": "x"}}`))
	if err == nil || !strings.Contains(err.Error(), `field "oAuthAccount": the id of the oauth2 connection is required`) {
		t.Errorf("error = %v", err)
	}
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
