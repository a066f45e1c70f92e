package connections

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// maxTokenResponse caps a token endpoint's response body.
const maxTokenResponse = 1 << 20

// TokenError is a token endpoint's refusal (RFC 6749 §5.2) or an
// unusable answer. It never carries the response body, which may hold
// credentials.
type TokenError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code is the OAuth error code ("invalid_grant"), if the server gave one.
	Code string
	// Description is the server's error_description.
	Description string
	// Retrieve is x/oauth2's view of the same answer.
	Retrieve *oauth2.RetrieveError
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("token endpoint answered %d", e.StatusCode)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Unwrap returns the x/oauth2 error.
func (e *TokenError) Unwrap() error {
	if e.Retrieve == nil {
		return nil
	}
	return e.Retrieve
}

// tokenResponse is the union of what token endpoints return.
type tokenResponse struct {
	AccessToken      string          `json:"access_token"`
	TokenType        string          `json:"token_type"`
	RefreshToken     string          `json:"refresh_token"`
	ExpiresIn        json.RawMessage `json:"expires_in"`
	Error            string          `json:"error"`
	ErrorDescription string          `json:"error_description"`
}

// tokenRequest posts a token request: grant-specific params, the client's
// authentication (body or Basic, as configured, never guessed), the extra
// parameters and the custom headers. It sends Accept: application/json.
func (m *Manager) tokenRequest(ctx context.Context, o *OAuth2, endpoint string, form url.Values, extra []Param) (*Token, error) {
	for _, p := range extra {
		form.Set(p.Name, p.Value)
	}
	secret := o.ClientSecret.Reveal()
	var basic string
	switch o.ClientAuth {
	case ClientAuthBasic:
		basic = base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(o.ClientID) + ":" + url.QueryEscape(secret)))
	default:
		form.Set("client_id", o.ClientID)
		if secret != "" {
			form.Set("client_secret", secret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(o.encode(form)))
	if err != nil {
		return nil, fmt.Errorf("token request to %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+basic)
	}
	for _, h := range o.TokenHeaders {
		req.Header.Set(h.Name, h.Value)
	}
	client, err := m.httpClient(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error names the endpoint only; the form is not in it.
		return nil, fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return nil, fmt.Errorf("reading token response from %s: %w", endpoint, err)
	}
	tr, perr := parseTokenResponse(resp.Header.Get("Content-Type"), body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 || tr.Error != "" {
		e := &TokenError{StatusCode: resp.StatusCode, Code: tr.Error, Description: tr.ErrorDescription}
		e.Retrieve = &oauth2.RetrieveError{Response: resp, ErrorCode: tr.Error, ErrorDescription: tr.ErrorDescription}
		return nil, e
	}
	if perr != nil {
		return nil, &TokenError{StatusCode: resp.StatusCode, Description: perr.Error()}
	}
	if tr.AccessToken == "" {
		return nil, &TokenError{StatusCode: resp.StatusCode, Description: "the response has no access_token"}
	}
	t := &Token{AccessToken: Secret(tr.AccessToken), TokenType: tr.TokenType, RefreshToken: Secret(tr.RefreshToken)}
	if secs := expiresIn(tr.ExpiresIn); secs > 0 {
		t.Expiry = m.now().Add(time.Duration(secs) * time.Second).UTC()
	}
	return t, nil
}

// parseTokenResponse reads JSON whatever the Content-Type says (providers
// label JSON text/plain), and form encoding when the body is not JSON.
// Errors never quote the body.
func parseTokenResponse(contentType string, body []byte) (tokenResponse, error) {
	var tr tokenResponse
	trimmed := bytes.TrimSpace(body)
	mt, _, _ := mime.ParseMediaType(contentType)
	if bytes.HasPrefix(trimmed, []byte("{")) {
		if err := json.Unmarshal(trimmed, &tr); err != nil {
			return tr, errors.New("the response is not valid JSON")
		}
		return tr, nil
	}
	if mt == "application/json" && len(trimmed) > 0 {
		return tr, errors.New("the response is not a JSON object")
	}
	v, err := url.ParseQuery(string(trimmed))
	if err != nil {
		return tr, errors.New("the response is neither JSON nor form-encoded")
	}
	tr.AccessToken, tr.TokenType, tr.RefreshToken = v.Get("access_token"), v.Get("token_type"), v.Get("refresh_token")
	tr.Error, tr.ErrorDescription = v.Get("error"), v.Get("error_description")
	if e := v.Get("expires_in"); e != "" {
		tr.ExpiresIn = json.RawMessage(strconv.Quote(e))
	}
	return tr, nil
}

// expiresIn reads expires_in given as a number or as a string.
func expiresIn(raw json.RawMessage) int64 {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0
	}
	return int64(min(f, math.MaxInt32)) // a lifetime beyond 68 years is "never"
}

// exchangeCode trades an authorization code for tokens.
func (m *Manager) exchangeCode(ctx context.Context, o *OAuth2, code, redirectURI, verifier string) (*Token, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	return m.tokenRequest(ctx, o, o.TokenURI, form, o.TokenParams)
}

// refreshToken uses a refresh token at the refresh URI (the token URI when
// unset). A response without a refresh token keeps the old one.
func (m *Manager) refreshToken(ctx context.Context, o *OAuth2, old *Token) (*Token, error) {
	endpoint := o.RefreshURI
	if endpoint == "" {
		endpoint = o.TokenURI
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken.Reveal()}}
	t, err := m.tokenRequest(ctx, o, endpoint, form, o.RefreshParams)
	if err != nil {
		return nil, err
	}
	if t.RefreshToken == "" {
		t.RefreshToken = old.RefreshToken
	}
	return t, nil
}

// clientCredentials fetches a token with the client credentials grant.
func (m *Manager) clientCredentials(ctx context.Context, o *OAuth2) (*Token, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(o.Scopes) > 0 {
		form.Set("scope", o.scope())
	}
	return m.tokenRequest(ctx, o, o.TokenURI, form, o.TokenParams)
}

// scope joins the scopes with the chosen separator.
func (o *OAuth2) scope() string {
	return strings.Join(o.Scopes, scopeSeparators[o.ScopeSeparator])
}

// scopeOnWire is how each separator is written in a query or form: space
// as %20, plus as a bare + (which servers decode as a space), comma as %2C.
var scopeOnWire = map[string]string{"space": "%20", "comma": "%2C", "plus": "+"}

// encode writes v like url.Values.Encode (sorted by key), except that the
// scope parameter's scopes are joined with the chosen separator as it
// should appear on the wire.
func (o *OAuth2) encode(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, val := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			if k == "scope" && val == o.scope() && len(o.Scopes) > 0 {
				for i, sc := range o.Scopes {
					if i > 0 {
						b.WriteString(scopeOnWire[o.ScopeSeparator])
					}
					b.WriteString(url.QueryEscape(sc))
				}
				continue
			}
			b.WriteString(url.QueryEscape(val))
		}
	}
	return b.String()
}
