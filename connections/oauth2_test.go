package connections

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/reqflow/reqflow/internal/testserver/oauth"
	"github.com/reqflow/reqflow/store"
)

const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{Dir: dir, MasterKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// oauthSetup starts an authorization server and a store holding the
// oauth2 connection "api" configured by edit.
func oauthSetup(t *testing.T, edit func(o *OAuth2)) (*oauth.Server, *Manager) {
	t.Helper()
	srv := oauth.NewTest(t, "client-1", "s3cr3t/+")
	m := NewManager(openStore(t, t.TempDir()))
	o := &OAuth2{Flow: FlowCode, AuthorizeURI: srv.URL + "/authorize", TokenURI: srv.URL + "/token", ClientID: "client-1", ClientSecret: "s3cr3t/+"}
	if edit != nil {
		edit(o)
	}
	if err := m.Create(context.Background(), &Connection{Name: "api", Kind: KindOAuth2, OAuth2: o}); err != nil {
		t.Fatal(err)
	}
	return srv, m
}

// browse plays the browser: it follows the authorize URL to the loopback
// callback and returns the callback's answer. For the implicit flow it
// runs what the callback page's script does: post the fragment back.
func browse(t *testing.T, authorizeURL string) string {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	fragment := loc.EscapedFragment()
	loc.Fragment, loc.RawFragment = "", ""
	resp, err = http.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if fragment == "" {
		return string(page)
	}
	if !strings.Contains(string(page), `body: location.hash.substring(1)`) {
		t.Fatalf("callback page does not post the fragment:\n%s", page)
	}
	resp, err = http.Post(loc.Scheme+"://"+loc.Host+fragmentPath, "application/x-www-form-urlencoded", strings.NewReader(fragment))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// authorize runs Authorize with a browser that follows the URL.
func authorize(t *testing.T, m *Manager) (*Connection, string, error) {
	t.Helper()
	pages := make(chan string, 1)
	var authURL string
	c, err := m.Authorize(context.Background(), "api", AuthorizeOptions{Wait: 10 * time.Second, OnURL: func(u string) {
		authURL = u
		go func() { pages <- browse(t, u) }()
	}})
	if err != nil {
		return c, authURL, err
	}
	return c, authURL + "\n" + <-pages, err
}

func TestAuthorizeCodeWithPKCE(t *testing.T) {
	t.Parallel()
	srv, m := oauthSetup(t, func(o *OAuth2) {
		o.PKCE = true
		o.Scopes = []string{"read", "write"}
		o.AuthorizeParams = []Param{{"access_type", "offline"}}
		o.TokenParams = []Param{{"audience", "api"}}
		o.TokenHeaders = []Param{{"X-Tenant", "t1"}}
	})
	c, _, err := authorize(t, m)
	if err != nil {
		t.Fatal(err)
	}
	q := srv.LastAuthorize()
	redirect := q.Get("redirect_uri")
	if !strings.HasPrefix(redirect, "http://127.0.0.1:") || !strings.HasSuffix(redirect, "/oauth/cb/oauth2") ||
		q.Get("response_type") != "code" || q.Get("scope") != "read write" || q.Get("access_type") != "offline" ||
		q.Get("code_challenge_method") != "S256" || len(q.Get("state")) < 32 {
		t.Errorf("authorize query: %v", q)
	}
	reqs := srv.TokenRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests", len(reqs))
	}
	body, _ := url.ParseQuery(reqs[0].Body)
	verifier := body.Get("code_verifier")
	if oauth2.S256ChallengeFromVerifier(verifier) != q.Get("code_challenge") {
		t.Errorf("verifier %q does not match the challenge", verifier)
	}
	want := "audience=api&client_id=client-1&client_secret=s3cr3t%2F%2B&code=code-1&code_verifier=" + verifier +
		"&grant_type=authorization_code&redirect_uri=" + url.QueryEscape(redirect)
	if reqs[0].Body != want {
		t.Errorf("token request body:\n%s\nwant:\n%s", reqs[0].Body, want)
	}
	h := reqs[0].Header
	if h.Get("Accept") != "application/json" || h.Get("Content-Type") != "application/x-www-form-urlencoded" || h.Get("X-Tenant") != "t1" || h.Get("Authorization") != "" {
		t.Errorf("token request headers: %v", h)
	}
	got, err := m.Get(context.Background(), "api")
	if err != nil {
		t.Fatal(err)
	}
	tok := got.OAuth2.Token
	if got.Status != StatusOK || tok.AccessToken != "access-2" || tok.RefreshToken != "refresh-3" || tok.TokenType != "Bearer" ||
		got.ExpiresAt.IsZero() || c.Status != StatusOK {
		t.Errorf("stored: status %s token %q %q %q %v", got.Status, tok.AccessToken.Reveal(), tok.RefreshToken.Reveal(), tok.TokenType, got.ExpiresAt)
	}
}

func TestAuthorizeImplicit(t *testing.T) {
	t.Parallel()
	_, m := oauthSetup(t, func(o *OAuth2) { o.Flow = FlowImplicit; o.TokenURI = "" })
	_, page, err := authorize(t, m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(page, "\nAuthorized. You can close this window.") {
		t.Errorf("page: %s", page)
	}
	got, _ := m.Get(context.Background(), "api")
	if got.Status != StatusOK || got.OAuth2.Token.AccessToken != "access-1" || got.OAuth2.Token.RefreshToken != "" || got.ExpiresAt.IsZero() {
		t.Errorf("stored %+v", got.OAuth2.Token)
	}
}

func TestAuthorizeRejectsWrongState(t *testing.T) {
	t.Parallel()
	_, m := oauthSetup(t, nil)
	_, err := m.Authorize(context.Background(), "api", AuthorizeOptions{Wait: 5 * time.Second, OnURL: func(u string) {
		go func() {
			q, _ := url.Parse(u)
			resp, err := http.Get(q.Query().Get("redirect_uri") + "?code=code-9&state=forged")
			if err == nil {
				resp.Body.Close()
			}
		}()
	}})
	if err == nil || err.Error() != `authorizing connection "api": the redirect's state does not match (a forged or stale redirect)` {
		t.Errorf("err = %v", err)
	}
	got, _ := m.Get(context.Background(), "api")
	if got.Status != StatusNeedsAuthorization || got.OAuth2.Token != nil {
		t.Errorf("stored %s %+v", got.Status, got.OAuth2.Token)
	}
}

// TestTokenRequestBytes asserts the exact body of each token request for
// each client authentication and grant.
func TestTokenRequestBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		edit       func(o *OAuth2)
		call       func(m *Manager, o *OAuth2) (*Token, error)
		wantBody   string
		wantAuth   string
		wantHeader [2]string
	}{
		{"client credentials, body auth, comma scopes",
			func(o *OAuth2) {
				o.Flow, o.Scopes, o.ScopeSeparator = FlowClientCredentials, []string{"a:read", "b"}, "comma"
				o.TokenParams = []Param{{"resource", "https://api.example"}}
			},
			func(m *Manager, o *OAuth2) (*Token, error) { return m.clientCredentials(context.Background(), o) },
			"client_id=client-1&client_secret=s3cr3t%2F%2B&grant_type=client_credentials&resource=https%3A%2F%2Fapi.example&scope=a%3Aread%2Cb", "", [2]string{}},
		{"client credentials, basic auth, plus scopes",
			func(o *OAuth2) {
				o.Flow, o.ClientAuth, o.Scopes, o.ScopeSeparator = FlowClientCredentials, ClientAuthBasic, []string{"x", "y"}, "plus"
				o.TokenHeaders = []Param{{"X-Api-Version", "2"}}
			},
			func(m *Manager, o *OAuth2) (*Token, error) { return m.clientCredentials(context.Background(), o) },
			"grant_type=client_credentials&scope=x+y", "Basic Y2xpZW50LTE6czNjcjN0JTJGJTJC", [2]string{"X-Api-Version", "2"}},
		{"refresh, body auth, refresh params, space scopes ignored",
			func(o *OAuth2) { o.RefreshParams = []Param{{"foo", "bar baz"}}; o.Scopes = []string{"s"} },
			func(m *Manager, o *OAuth2) (*Token, error) {
				return m.refreshToken(context.Background(), o, &Token{RefreshToken: "refresh-0"})
			},
			"client_id=client-1&client_secret=s3cr3t%2F%2B&foo=bar+baz&grant_type=refresh_token&refresh_token=refresh-0", "", [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, m := oauthSetup(t, tt.edit)
			c, _ := m.Get(context.Background(), "api")
			_, _ = tt.call(m, c.OAuth2) // refresh-0 is unknown: the answer does not matter here
			reqs := srv.TokenRequests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			if reqs[0].Body != tt.wantBody {
				t.Errorf("body:\n%s\nwant:\n%s", reqs[0].Body, tt.wantBody)
			}
			if got := reqs[0].Header.Get("Authorization"); got != tt.wantAuth {
				t.Errorf("Authorization %q, want %q", got, tt.wantAuth)
			}
			if tt.wantHeader[0] != "" && reqs[0].Header.Get(tt.wantHeader[0]) != tt.wantHeader[1] {
				t.Errorf("header %s = %q", tt.wantHeader[0], reqs[0].Header.Get(tt.wantHeader[0]))
			}
			if reqs[0].Header.Get("Accept") != "application/json" {
				t.Errorf("Accept %q", reqs[0].Header.Get("Accept"))
			}
		})
	}
}

func TestTokenResponseQuirks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mis  oauth.Misbehaviour
	}{
		{"well behaved", oauth.Misbehaviour{}},
		{"expires_in as a string", oauth.Misbehaviour{ExpiresInString: true}},
		{"form-encoded", oauth.Misbehaviour{FormEncoded: true}},
		{"JSON labelled text/plain", oauth.Misbehaviour{JSONAsTextPlain: true}},
		{"lower-case token_type", oauth.Misbehaviour{LowerCaseTokenType: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			srv, m := oauthSetup(t, func(o *OAuth2) { o.Flow = FlowClientCredentials })
			m.now = func() time.Time { return now }
			srv.Lock()
			srv.Misbehave = tt.mis
			srv.Unlock()
			c, err := m.AccessToken(context.Background(), "api", "")
			if err != nil {
				t.Fatal(err)
			}
			tok := c.OAuth2.Token
			if tok.AccessToken != "access-1" || !tok.Expiry.Equal(now.Add(time.Hour)) || !strings.EqualFold(tok.TokenType, "bearer") {
				t.Errorf("token %q type %q expiry %v", tok.AccessToken.Reveal(), tok.TokenType, tok.Expiry)
			}
		})
	}
}

// expiredSetup authorizes "api" and moves the manager's clock past the
// token's expiry.
func expiredSetup(t *testing.T, rotate bool) (*oauth.Server, *Manager, func(d time.Duration)) {
	t.Helper()
	srv, m := oauthSetup(t, nil)
	srv.Lock()
	srv.Rotate = rotate
	srv.Unlock()
	if _, _, err := authorize(t, m); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Now()
	m.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	advance(2 * time.Hour)
	return srv, m, advance
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	for _, rotate := range []bool{false, true} {
		t.Run(fmt.Sprintf("rotate=%v", rotate), func(t *testing.T) {
			t.Parallel()
			srv, m, _ := expiredSetup(t, rotate)
			c, err := m.AccessToken(context.Background(), "api", "")
			if err != nil {
				t.Fatal(err)
			}
			wantRefresh := "refresh-3" // issued with the code
			if rotate {
				wantRefresh = "refresh-5"
			}
			if c.OAuth2.Token.AccessToken != "access-4" || c.OAuth2.Token.RefreshToken.Reveal() != wantRefresh {
				t.Errorf("after refresh: %q %q", c.OAuth2.Token.AccessToken.Reveal(), c.OAuth2.Token.RefreshToken.Reveal())
			}
			stored, _ := m.Get(context.Background(), "api")
			if stored.OAuth2.Token.RefreshToken.Reveal() != wantRefresh || stored.OAuth2.Token.AccessToken != "access-4" {
				t.Error("the refreshed token was not saved")
			}
			if srv.Grants("refresh_token") != 1 {
				t.Errorf("%d refreshes", srv.Grants("refresh_token"))
			}
			// A 401 with the current token refreshes once more; a 401 with
			// an older token does not (someone refreshed already).
			if _, err := m.AccessToken(context.Background(), "api", "access-2"); err != nil || srv.Grants("refresh_token") != 1 {
				t.Errorf("stale rejection refreshed: %v, %d", err, srv.Grants("refresh_token"))
			}
			want := Secret("access-5")
			if rotate {
				want = "access-6"
			}
			c, err = m.AccessToken(context.Background(), "api", "access-4")
			if err != nil || srv.Grants("refresh_token") != 2 || c.OAuth2.Token.AccessToken != want {
				t.Errorf("rejection: %v, %d refreshes", err, srv.Grants("refresh_token"))
			}
		})
	}
}

func TestRefusedRefreshNeedsAuthorization(t *testing.T) {
	t.Parallel()
	srv, m, _ := expiredSetup(t, false)
	srv.Lock()
	srv.Misbehave.RefuseRefresh = true
	srv.Unlock()
	_, err := m.AccessToken(context.Background(), "api", "")
	want := `connection "api" needs authorization: the token endpoint refused to refresh the token: token endpoint answered 400: invalid_grant: refresh token revoked (run: reqflow connections authorize api)`
	if !errors.Is(err, ErrNeedsAuthorization) || err.Error() != want {
		t.Errorf("err = %v", err)
	}
	c, _ := m.Get(context.Background(), "api")
	if c.Status != StatusNeedsAuthorization {
		t.Errorf("status %s", c.Status)
	}
	n := len(srv.TokenRequests())
	_, err = m.AccessToken(context.Background(), "api", "")
	if !errors.Is(err, ErrNeedsAuthorization) || len(srv.TokenRequests()) != n {
		t.Errorf("second call: %v after %d requests", err, len(srv.TokenRequests())-n)
	}
	// Authorizing again restores the connection.
	srv.Lock()
	srv.Misbehave.RefuseRefresh = false
	srv.Unlock()
	if _, _, err := authorize(t, m); err != nil {
		t.Fatal(err)
	}
	if c, _ := m.Get(context.Background(), "api"); c.Status != StatusOK {
		t.Errorf("status after authorize %s", c.Status)
	}
}

// TestOneRefreshForConcurrentUsers runs twenty token requests at once on
// an expired token, from two managers over one store folder (as two
// processes would be): exactly one refresh reaches the server.
func TestOneRefreshForConcurrentUsers(t *testing.T) {
	t.Parallel()
	srv, m, _ := expiredSetup(t, true)
	srv.Lock()
	srv.TokenDelay = 50 * time.Millisecond
	srv.Unlock()
	other := NewManager(openStore(t, m.Store().Dir()), WithClock(m.now))
	var wg sync.WaitGroup
	tokens := make([]string, 20)
	errs := make([]error, 20)
	for i := range 20 {
		mgr := m
		if i%2 == 1 {
			mgr = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := mgr.AccessToken(context.Background(), "api", "")
			errs[i] = err
			if err == nil {
				tokens[i] = c.OAuth2.Token.AccessToken.Reveal()
			}
		}()
	}
	wg.Wait()
	for i := range 20 {
		if errs[i] != nil || tokens[i] != "access-4" {
			t.Errorf("user %d: %q, %v", i, tokens[i], errs[i])
		}
	}
	if n := srv.Grants("refresh_token"); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestNoRefreshTokenNeedsAuthorization(t *testing.T) {
	t.Parallel()
	_, m := oauthSetup(t, func(o *OAuth2) { o.Flow = FlowImplicit; o.TokenURI = "" })
	_, err := m.AccessToken(context.Background(), "api", "")
	if err == nil || err.Error() != `connection "api" needs authorization: it was never authorized (run: reqflow connections authorize api)` {
		t.Errorf("never authorized: %v", err)
	}
	if _, _, err := authorize(t, m); err != nil {
		t.Fatal(err)
	}
	_, err = m.AccessToken(context.Background(), "api", "access-1")
	if err == nil || err.Error() != `connection "api" needs authorization: the access token was refused and there is no refresh token (run: reqflow connections authorize api)` {
		t.Errorf("refused: %v", err)
	}
}

func TestSecretsRedacted(t *testing.T) {
	t.Parallel()
	c := &Connection{Name: "x", Kind: KindOAuth2, OAuth2: &OAuth2{ClientSecret: "cs-value", Token: &Token{AccessToken: "at-value", RefreshToken: "rt-value"},
		TokenHeaders: []Param{{"Authorization", "Basic hv-value"}}}}
	for _, s := range []string{fmt.Sprintf("%v %+v %#v", c.OAuth2, *c.OAuth2, c.OAuth2.Token), fmt.Sprint(c.View())} {
		for _, secret := range []string{"cs-value", "at-value", "rt-value", "hv-value"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s shows %s", s, secret)
			}
		}
	}
}

func TestParseTokenResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ct, body string
		want     string // access|type|refresh|expires|error
		err      string
	}{
		{"application/json", `{"access_token":"a","token_type":"bearer","refresh_token":"r","expires_in":3600}`, "a|bearer|r|3600|", ""},
		{"text/plain", `{"access_token":"a","expires_in":"60"}`, "a|||60|", ""},
		{"application/x-www-form-urlencoded", `access_token=a%2Fb&token_type=Bearer&expires_in=10`, "a/b|Bearer||10|", ""},
		{"", ` {"error":"invalid_grant"} `, "|||0|invalid_grant", ""},
		{"application/json", `{"access_token":"a","expires_in":1e300}`, "a|||2147483647|", ""},
		{"application/json", `{"access_token": tru`, "||||", "the response is not valid JSON"},
		{"application/json", `[1]`, "||||", "the response is not a JSON object"},
		{"text/html", `%zz`, "||||", "the response is neither JSON nor form-encoded"},
		{"application/json", `{"access_token":"a","expires_in":null}`, "a|||0|", ""},
		{"application/json", `{"access_token":"a","expires_in":-5}`, "a|||0|", ""},
	}
	for _, tt := range tests {
		tr, err := parseTokenResponse(tt.ct, []byte(tt.body))
		got := fmt.Sprintf("%s|%s|%s|%d|%s", tr.AccessToken, tr.TokenType, tr.RefreshToken, expiresIn(tr.ExpiresIn), tr.Error)
		if tt.err == "" && got != tt.want || tt.err != "" && (err == nil || err.Error() != tt.err) {
			t.Errorf("%s %q: %s, %v", tt.ct, tt.body, got, err)
		}
	}
}

func FuzzParseTokenResponse(f *testing.F) {
	f.Add("application/json", []byte(`{"access_token":"a","expires_in":"3600"}`))
	f.Add("application/x-www-form-urlencoded", []byte(`access_token=a&expires_in=1e9`))
	f.Add("text/plain", []byte(`{"expires_in": 1e400}`))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		tr, err := parseTokenResponse(ct, body)
		if err != nil && strings.Contains(err.Error(), string(body)) && len(body) > 8 {
			t.Errorf("the error quotes the body: %v", err)
		}
		if n := expiresIn(tr.ExpiresIn); n < 0 {
			t.Errorf("negative expiry %d", n)
		}
	})
}

func TestRefreshURI(t *testing.T) {
	t.Parallel()
	srv, m, _ := expiredSetup(t, false)
	c, _ := m.Get(context.Background(), "api")
	c.OAuth2.RefreshURI = srv.URL + "/token?via=refresh"
	if _, err := m.refreshToken(context.Background(), c.OAuth2, c.OAuth2.Token); err != nil {
		t.Fatal(err)
	}
	reqs := srv.TokenRequests()
	if got := reqs[len(reqs)-1].URI; got != "/token?via=refresh" {
		t.Errorf("refresh went to %s", got)
	}
	if got := reqs[0].URI; got != "/token" {
		t.Errorf("code exchange went to %s", got)
	}
}

func TestAuthorizeProviderRefuses(t *testing.T) {
	t.Parallel()
	_, m := oauthSetup(t, nil)
	_, err := m.Authorize(context.Background(), "api", AuthorizeOptions{Wait: 5 * time.Second, OnURL: func(u string) {
		go func() {
			q, _ := url.Parse(u)
			resp, err := http.Get(q.Query().Get("redirect_uri") + "?error=access_denied&error_description=The+user+said+no&state=" + q.Query().Get("state"))
			if err == nil {
				resp.Body.Close()
			}
		}()
	}})
	if err == nil || err.Error() != `authorizing connection "api": the provider refused: access_denied The user said no` {
		t.Errorf("err = %v", err)
	}
}
