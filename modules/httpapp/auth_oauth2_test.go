package httpapp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/internal/testserver/oauth"
)

// apiCall is what the protected resource received.
type apiCall struct{ auth, query string }

// oauthAPI starts the test authorization server, whose /api/me is the
// protected resource, and records the credentials of every API call.
func oauthAPI(t *testing.T) (*oauth.Server, func() []apiCall) {
	t.Helper()
	s := oauth.New("client-1", "cl1ent-s3cret")
	var mu sync.Mutex
	var calls []apiCall
	h := s.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			mu.Lock()
			calls = append(calls, apiCall{r.Header.Get("Authorization"), r.URL.RawQuery})
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s, func() []apiCall { mu.Lock(); defer mu.Unlock(); return append([]apiCall(nil), calls...) }
}

// issueRefreshToken runs the code grant by hand and returns the refresh
// token, to seed a connection whose access token has expired.
func issueRefreshToken(t *testing.T, s *oauth.Server) string {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(s.URL + "/authorize?response_type=code&client_id=client-1&state=x&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	resp, err = http.PostForm(s.URL+"/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {"http://127.0.0.1/cb"}, "client_id": {"client-1"}, "client_secret": {"cl1ent-s3cret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.RefreshToken == "" {
		t.Fatalf("no refresh token: %v", err)
	}
	return tr.RefreshToken
}

func oauthConn(s *oauth.Server, edit func(o *connections.OAuth2)) *connections.Connection {
	o := &connections.OAuth2{Flow: connections.FlowClientCredentials, TokenURI: s.URL + "/token", ClientID: "client-1", ClientSecret: "cl1ent-s3cret"}
	if edit != nil {
		edit(o)
	}
	return &connections.Connection{Name: "api", Kind: connections.KindOAuth2, OAuth2: o}
}

func TestOAuth2TokenPlacement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(o *connections.OAuth2)
		module string
		want   apiCall
	}{
		{"header", nil, module(1, "http:ActionSendDataAdvanced", 3, `"__IMTCONN__": 77`, `"url": "{{var.input.base}}/api/me", "parseResponse": true`),
			apiCall{"Bearer access-1", ""}},
		{"query with its parameter name", func(o *connections.OAuth2) { o.TokenPlacement = "query"; o.QueryParamName = "token" },
			module(1, "http:ActionSendDataAdvanced", 3, `"connection": "77"`, `"url": "{{var.input.base}}/api/me?x=1", "parseResponse": true`),
			apiCall{"", "x=1&token=access-1"}},
		{"both, replacing a mapped Authorization header", func(o *connections.OAuth2) { o.TokenPlacement = "both" },
			module(1, "http:ActionSendDataAdvanced", 3, `"__IMTCONN__": 77`, `"url": "{{var.input.base}}/api/me", "headers": [{"name": "authorization", "value": "x"}], "parseResponse": true`),
			apiCall{"Bearer access-1", "access_token=access-1"}},
		{"header with its token name", func(o *connections.OAuth2) { o.HeaderTokenName = "OAuth" },
			module(1, "http:ActionSendDataAdvanced", 3, `"__IMTCONN__": 77`, `"url": "{{var.input.base}}/api/me", "parseResponse": true`),
			apiCall{"OAuth access-1", ""}},
		{"v4 oAuth", nil, module(1, "http:MakeRequest", 4, `"authenticationType": "oAuth", "oAuthAccount": 77`, `"url": "{{var.input.base}}/api/me"`),
			apiCall{"Bearer access-1", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, calls := oauthAPI(t)
			m := newManager(t, oauthConn(s, tt.edit))
			x, err := runConns(m, map[string]string{"77": "api"}, s.URL, flow(tt.module), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonOf(t, output(t, x, 1)["data"]); got != `{"ok":true,"scope":""}` {
				t.Errorf("data = %s", got)
			}
			if got := calls(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("API saw %+v, want %+v", got, tt.want)
			}
			if report := jsonOf(t, x.Report()); strings.Contains(report, "access-1") || strings.Contains(report, "cl1ent-s3cret") {
				t.Errorf("the report shows a secret: %s", report)
			}
		})
	}
}

// TestOAuth2RefreshAfter401 has the server forget its tokens: the first
// call gets a 401, the module refreshes once and retries once.
func TestOAuth2RefreshAfter401(t *testing.T) {
	t.Parallel()
	for _, handle := range []bool{true, false} {
		t.Run(fmt.Sprintf("handleErrors=%v", handle), func(t *testing.T) {
			t.Parallel()
			refreshAfter401(t, handle)
		})
	}
}

func refreshAfter401(t *testing.T, handle bool) {
	s, calls := oauthAPI(t)
	rt := issueRefreshToken(t, s) // access-2, refresh-3
	c := oauthConn(s, func(o *connections.OAuth2) {
		o.Flow, o.AuthorizeURI = connections.FlowCode, s.URL+"/authorize"
		o.Token = &connections.Token{AccessToken: "access-2", RefreshToken: connections.Secret(rt), Expiry: time.Now().Add(time.Hour)}
	})
	m := newManager(t, c)
	s.Expire()
	x, err := runConns(m, map[string]string{"1": "api"}, s.URL, flow(module(1, "http:ActionSendDataAdvanced", 3, fmt.Sprintf(`"__IMTCONN__": 1, "handleErrors": %v`, handle), `"url": "{{var.input.base}}/api/me", "parseResponse": true`)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := output(t, x, 1)["statusCode"]; got != 200 {
		t.Errorf("status %v", got)
	}
	want := []apiCall{{"Bearer access-2", ""}, {"Bearer access-4", ""}}
	if got := calls(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("API saw %+v", got)
	}
	if s.Grants("refresh_token") != 1 {
		t.Errorf("%d refreshes", s.Grants("refresh_token"))
	}
	// A second 401 after the refresh is the API's answer: no more retries.
	s.Expire()
	x, _ = runConns(m, map[string]string{"1": "api"}, s.URL, flow(module(1, "http:ActionSendDataAdvanced", 3, `"__IMTCONN__": 1, "handleErrors": true`, `"url": "{{var.input.base}}/api/nothing"`)), nil)
	if x.Err == nil || x.Err.Type != engine.RuntimeError || !strings.HasPrefix(x.Err.Message, "[404]") {
		t.Errorf("error = %v", x.Err)
	}
}

func TestOAuth2RefusedRefresh(t *testing.T) {
	t.Parallel()
	s, calls := oauthAPI(t)
	c := oauthConn(s, func(o *connections.OAuth2) {
		o.Flow, o.AuthorizeURI = connections.FlowCode, s.URL+"/authorize"
		o.Token = &connections.Token{AccessToken: "expired-at", RefreshToken: "revoked-rt", Expiry: time.Now().Add(-time.Minute)}
	})
	m := newManager(t, c)
	x, err := runConns(m, map[string]string{"1": "api"}, s.URL, flow(module(1, "http:ActionSendDataAdvanced", 3, `"__IMTCONN__": 1`, `"url": "{{var.input.base}}/api/me"`)), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `connection "api" needs authorization: the token endpoint refused to refresh the token: token endpoint answered 400: invalid_grant: unknown code or redirect_uri mismatch (run: reqflow connections authorize api)`
	if x.Err == nil || x.Err.Type != engine.InvalidAccessTokenError {
		t.Fatalf("error = %v", x.Err)
	}
	if x.Err.Message != strings.Replace(want, "unknown code or redirect_uri mismatch", "refresh token revoked", 1) {
		t.Errorf("message = %s", x.Err.Message)
	}
	if len(calls()) != 0 {
		t.Errorf("the API was called: %v", calls())
	}
	if got, _ := m.Get(context.Background(), "api"); got.Status != connections.StatusNeedsAuthorization {
		t.Errorf("status %s", got.Status)
	}
	if report := jsonOf(t, x.Report()); strings.Contains(report, "revoked-rt") || strings.Contains(report, "expired-at") || strings.Contains(report, "cl1ent-s3cret") {
		t.Errorf("the report shows a secret: %s", report)
	}
}

// TestOAuth2ConcurrentOperations runs twenty executions at once on one
// connection whose token has expired: exactly one refresh.
func TestOAuth2ConcurrentOperations(t *testing.T) {
	t.Parallel()
	s, calls := oauthAPI(t)
	rt := issueRefreshToken(t, s)
	s.Lock()
	s.TokenDelay = 30 * time.Millisecond
	s.Unlock()
	m := newManager(t, oauthConn(s, func(o *connections.OAuth2) {
		o.Flow, o.AuthorizeURI = connections.FlowCode, s.URL+"/authorize"
		o.Token = &connections.Token{AccessToken: "access-2", RefreshToken: connections.Secret(rt), Expiry: time.Now().Add(-time.Second)}
	}))
	reg := engine.NewRegistry()
	if err := Register(reg, httpclient.New(), WithConnections(connections.NewManagerResolver(map[string]string{"1": "api"}, m))); err != nil {
		t.Fatal(err)
	}
	bp, _ := blueprint.Decode([]byte(flow(module(1, "http:ActionSendDataAdvanced", 3, `"__IMTCONN__": 1, "handleErrors": true`, `"url": "`+s.URL+`/api/me"`))))
	sc, err := engine.Load(reg, bp, engine.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, err := sc.Run(context.Background(), engine.RunOptions{})
			if err != nil || x.Err != nil {
				t.Errorf("run: %v %v", err, x.Err)
			}
		}()
	}
	wg.Wait()
	if n := s.Grants("refresh_token"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	for _, c := range calls() {
		if c.auth != "Bearer access-4" {
			t.Errorf("API call with %q", c.auth)
		}
	}
}
