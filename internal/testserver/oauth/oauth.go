// Package oauth is a small but real OAuth 2.0 authorization server for
// tests: the authorization code grant (with PKCE, plain or S256), the
// implicit grant, refresh tokens (optionally rotated) and client
// credentials, plus a protected resource. Authorization is granted at once
// (there is no login page): GET /authorize redirects straight back.
//
// It records every token request byte for byte and can misbehave the ways
// real providers do: expires_in as a string, form-encoded token responses,
// JSON labelled text/plain, a lower-case token_type, and invalid_grant on
// refresh. Tokens, codes and refresh tokens are numbered (access-1,
// refresh-1, code-1), so tests can assert exact bytes.
//
// Endpoints:
//
//	GET  /authorize  response_type=code|token, client_id, redirect_uri, state,
//	                 scope, code_challenge, code_challenge_method
//	POST /token      grant_type=authorization_code|refresh_token|client_credentials;
//	                 client authentication in the body or as HTTP Basic
//	GET  /api/me     the protected resource: 200 {"ok": true, "scope": …} for a
//	                 live token in the Authorization header (any scheme) or
//	                 in any query parameter, else 401
package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Misbehaviours a Server can be switched to.
type Misbehaviour struct {
	// ExpiresInString writes expires_in as a JSON string ("3600").
	ExpiresInString bool
	// FormEncoded answers token requests with an
	// application/x-www-form-urlencoded body.
	FormEncoded bool
	// JSONAsTextPlain labels JSON token responses text/plain.
	JSONAsTextPlain bool
	// LowerCaseTokenType writes token_type "bearer".
	LowerCaseTokenType bool
	// RefuseRefresh answers every refresh with 400 invalid_grant.
	RefuseRefresh bool
}

// TokenRequest is one request to the token endpoint, as received.
type TokenRequest struct {
	// URI is the request target (path and query).
	URI    string
	Header http.Header
	// Body is the raw request body.
	Body string
}

// Server is the authorization server. Its fields may be changed between
// requests under Lock/Unlock, or set before the first request.
type Server struct {
	// URL is the server's base URL.
	URL string
	// ClientID and ClientSecret are the one registered client.
	ClientID, ClientSecret string
	// ExpiresIn is the lifetime of issued access tokens (default 1 h).
	ExpiresIn time.Duration
	// Rotate issues a new refresh token on every refresh; otherwise the
	// refresh response carries none (the client must keep the old one).
	Rotate bool
	// Misbehave switches on provider quirks.
	Misbehave Misbehaviour
	// TokenDelay delays every token response (to widen races in tests).
	TokenDelay time.Duration
	// Now is the server's clock (default time.Now).
	Now func() time.Time

	mu       sync.Mutex
	n        int
	codes    map[string]grant
	access   map[string]tokenInfo
	refresh  map[string]grant
	requests []TokenRequest
	grants   map[string]int
	// lastAuthorize is the query of the last /authorize request.
	lastAuthorize url.Values
}

type grant struct {
	clientID, redirectURI, scope, challenge, method string
}

type tokenInfo struct {
	scope   string
	expires time.Time
}

// New returns a server for the client id and secret; serve it with
// Handler (NewTest starts one on loopback).
func New(clientID, clientSecret string) *Server {
	return &Server{ClientID: clientID, ClientSecret: clientSecret, ExpiresIn: time.Hour,
		codes: map[string]grant{}, access: map[string]tokenInfo{}, refresh: map[string]grant{}, grants: map[string]int{}}
}

// NewTest starts a server on 127.0.0.1 for the test's duration.
func NewTest(t testing.TB, clientID, clientSecret string) *Server {
	t.Helper()
	s := New(clientID, clientSecret)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Lock guards changes to the server's settings while it serves.
func (s *Server) Lock() { s.mu.Lock() }

// Unlock ends a Lock.
func (s *Server) Unlock() { s.mu.Unlock() }

// TokenRequests returns the token requests received so far.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TokenRequest(nil), s.requests...)
}

// Grants returns how many token requests of a grant type succeeded.
func (s *Server) Grants(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants[grantType]
}

// LastAuthorize returns the query of the last authorize request.
func (s *Server) LastAuthorize() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAuthorize
}

// Expire makes every issued access token expired.
func (s *Server) Expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.access {
		v.expires = time.Time{}
		s.access[k] = v
	}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Handler serves the endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /api/me", s.me)
	return mux
}

func (s *Server) next(prefix string) string {
	s.n++
	return prefix + "-" + strconv.Itoa(s.n)
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastAuthorize = q
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || q.Get("client_id") != s.ClientID {
		http.Error(w, "bad client_id or redirect_uri", http.StatusBadRequest)
		return
	}
	g := grant{clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), scope: q.Get("scope"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method")}
	switch q.Get("response_type") {
	case "code":
		code := s.next("code")
		s.codes[code] = g
		v := redirect.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		redirect.RawQuery = v.Encode()
	case "token":
		tok := s.next("access")
		s.access[tok] = tokenInfo{scope: g.scope, expires: s.now().Add(s.ExpiresIn)}
		v := url.Values{"access_token": {tok}, "token_type": {"Bearer"}, "state": {q.Get("state")},
			"expires_in": {strconv.Itoa(int(s.ExpiresIn / time.Second))}}
		redirect.Fragment, redirect.RawFragment = "", ""
		http.Redirect(w, r, redirect.String()+"#"+v.Encode(), http.StatusFound)
		return
	default:
		http.Error(w, "unsupported response_type", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	delay := s.TokenDelay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, TokenRequest{URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body)})
	form, err := url.ParseQuery(string(body))
	if err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		s.fail(w, http.StatusBadRequest, "invalid_request", "expected a form body")
		return
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
		if form.Has("client_secret") {
			s.fail(w, http.StatusBadRequest, "invalid_request", "two client authentication methods")
			return
		}
	}
	gt := form.Get("grant_type")
	public := secret == "" && gt == "authorization_code" && form.Get("code_verifier") != ""
	if id != s.ClientID || (!public && secret != s.ClientSecret) {
		s.fail(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	var g grant
	switch gt {
	case "authorization_code":
		c, ok := s.codes[form.Get("code")]
		delete(s.codes, form.Get("code"))
		if !ok || c.redirectURI != form.Get("redirect_uri") {
			s.fail(w, http.StatusBadRequest, "invalid_grant", "unknown code or redirect_uri mismatch")
			return
		}
		if c.challenge != "" && !verify(c.challenge, c.method, form.Get("code_verifier")) {
			s.fail(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
			return
		}
		g = c
	case "refresh_token":
		c, ok := s.refresh[form.Get("refresh_token")]
		if !ok || s.Misbehave.RefuseRefresh {
			s.fail(w, http.StatusBadRequest, "invalid_grant", "refresh token revoked")
			return
		}
		if s.Rotate {
			delete(s.refresh, form.Get("refresh_token"))
		}
		g = c
	case "client_credentials":
		g = grant{clientID: id, scope: form.Get("scope")}
	default:
		s.fail(w, http.StatusBadRequest, "unsupported_grant_type", gt)
		return
	}
	s.grants[gt]++
	tok := s.next("access")
	s.access[tok] = tokenInfo{scope: g.scope, expires: s.now().Add(s.ExpiresIn)}
	resp := map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(s.ExpiresIn / time.Second)}
	if gt == "authorization_code" || (gt == "refresh_token" && s.Rotate) {
		rt := s.next("refresh")
		s.refresh[rt] = g
		resp["refresh_token"] = rt
	}
	if g.scope != "" {
		resp["scope"] = g.scope
	}
	if s.Misbehave.LowerCaseTokenType {
		resp["token_type"] = "bearer"
	}
	if s.Misbehave.ExpiresInString {
		resp["expires_in"] = strconv.Itoa(int(s.ExpiresIn / time.Second))
	}
	s.write(w, http.StatusOK, resp)
}

func verify(challenge, method, verifier string) bool {
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		return base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
	}
	return verifier == challenge
}

func (s *Server) fail(w http.ResponseWriter, status int, code, desc string) {
	s.write(w, status, map[string]any{"error": code, "error_description": desc})
}

func (s *Server) write(w http.ResponseWriter, status int, v map[string]any) {
	w.Header().Set("Cache-Control", "no-store")
	if s.Misbehave.FormEncoded {
		f := url.Values{}
		for k, x := range v {
			f.Set(k, fmt.Sprint(x))
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, f.Encode())
		return
	}
	ct := "application/json"
	if s.Misbehave.JSONAsTextPlain {
		ct = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	var candidates []string
	if h := r.Header.Get("Authorization"); h != "" {
		_, t, _ := strings.Cut(h, " ") // any scheme: clients choose the token name
		candidates = append(candidates, t)
	}
	for _, vs := range r.URL.Query() {
		candidates = append(candidates, vs...) // any parameter name
	}
	s.mu.Lock()
	var info tokenInfo
	ok := false
	for _, tok := range candidates {
		if info, ok = s.access[tok]; ok {
			break
		}
	}
	live := ok && s.now().Before(info.expires)
	s.mu.Unlock()
	if !live {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error": "invalid_token"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "scope": info.scope})
}
