package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// code runs /authorize and returns the code it redirects with.
func code(t *testing.T, s *Server, extra string) string {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(s.URL + "/authorize?response_type=code&client_id=app&state=st&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb" + extra)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("state") != "st" {
		t.Fatalf("redirect %s", loc)
	}
	return loc.Query().Get("code")
}

func post(t *testing.T, s *Server, form string, user, pass string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/token", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	s := NewTest(t, "app", "sec")
	s.Rotate = true
	const cb = "&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"
	// PKCE S256: the challenge is base64url(sha256(verifier)).
	const verifier, challenge = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gXk7sbpeI", "duj6oQa41ikWvAbvIyVWmRJtQyyKFIgiSBNbAjmdLss"
	c := code(t, s, "&code_challenge="+challenge+"&code_challenge_method=S256")
	if st, v := post(t, s, "grant_type=authorization_code&code="+c+cb+"&code_verifier=wrong&client_id=app", "", ""); st != 400 || v["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", st, v)
	}
	c = code(t, s, "&code_challenge="+challenge+"&code_challenge_method=S256")
	st, v := post(t, s, "grant_type=authorization_code&code="+c+cb+"&code_verifier="+verifier+"&client_id=app", "", "")
	if st != 200 || v["access_token"] != "access-3" || v["refresh_token"] != "refresh-4" || v["token_type"] != "Bearer" || v["expires_in"] != 3600.0 {
		t.Errorf("public client with PKCE: %d %v", st, v)
	}
	if st, v := post(t, s, "grant_type=refresh_token&refresh_token=refresh-4&client_id=app&client_secret=sec", "app", "sec"); st != 400 || v["error"] != "invalid_request" {
		t.Errorf("two client authentications: %d %v", st, v)
	}
	if st, v := post(t, s, "grant_type=refresh_token&refresh_token=refresh-4", "app", "sec"); st != 200 || v["refresh_token"] != "refresh-6" {
		t.Errorf("rotation: %d %v", st, v)
	}
	if st, v := post(t, s, "grant_type=refresh_token&refresh_token=refresh-4", "app", "sec"); st != 400 || v["error"] != "invalid_grant" {
		t.Errorf("rotated token reused: %d %v", st, v)
	}
	if st, v := post(t, s, "grant_type=client_credentials&client_id=app&client_secret=nope", "", ""); st != 401 || v["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", st, v)
	}
	if s.Grants("refresh_token") != 1 || s.Grants("authorization_code") != 1 || len(s.TokenRequests()) != 6 {
		t.Errorf("grants %d %d, requests %d", s.Grants("refresh_token"), s.Grants("authorization_code"), len(s.TokenRequests()))
	}
}
