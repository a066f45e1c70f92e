package connections

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// OAuth 2.0 flows.
const (
	FlowCode              = "code"
	FlowImplicit          = "implicit"
	FlowClientCredentials = "client-credentials"
)

// Client authentication methods for token requests.
const (
	ClientAuthBody  = "body"
	ClientAuthBasic = "basic"
)

// Token placements.
const (
	PlaceHeader = "header"
	PlaceQuery  = "query"
	PlaceBoth   = "both"
)

// Defaults of an OAuth 2.0 connection.
const (
	DefaultHeaderTokenName = "Bearer"
	DefaultQueryParamName  = "access_token"
	DefaultScopeSeparator  = "space"
	DefaultRedirectPort    = 8765
	// RedirectPath is the path of the loopback redirect URI.
	RedirectPath = "/oauth/cb/oauth2"
)

// Param is a name and value: an extra parameter or header of a token call.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SecretParams are parameters whose values are secret: they print as
// name=[redacted].
type SecretParams []Param

// String redacts the values.
func (ps SecretParams) String() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Name + "=" + Redacted
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// GoString redacts the values in %#v.
func (ps SecretParams) GoString() string { return ps.String() }

// OAuth2 is an OAuth 2.0 connection (Make's "HTTP OAuth 2.0" account) with
// the flows Make offers (authorization code, implicit) and client
// credentials, optionally with PKCE.
type OAuth2 struct {
	Flow           string   `json:"flow"`
	AuthorizeURI   string   `json:"authorizeUri,omitempty"`
	TokenURI       string   `json:"tokenUri,omitempty"`
	RefreshURI     string   `json:"refreshUri,omitempty"`
	ClientID       string   `json:"clientId"`
	ClientSecret   Secret   `json:"-"`
	Scopes         []string `json:"scopes,omitempty"`
	ScopeSeparator string   `json:"scopeSeparator"`
	PKCE           bool     `json:"pkce,omitempty"`
	// ClientAuth is how the client authenticates to the token endpoint:
	// ClientAuthBody (client_id and client_secret in the form, Make's way)
	// or ClientAuthBasic. It is never guessed by trial.
	ClientAuth      string  `json:"clientAuth"`
	TokenPlacement  string  `json:"tokenPlacement"`
	HeaderTokenName string  `json:"headerTokenName"`
	QueryParamName  string  `json:"queryParamName"`
	AuthorizeParams []Param `json:"authorizeParams,omitempty"`
	TokenParams     []Param `json:"tokenParams,omitempty"`
	RefreshParams   []Param `json:"refreshParams,omitempty"`
	// TokenHeaders are sent with every token call; they are kept sealed
	// (they often carry credentials).
	TokenHeaders SecretParams `json:"-"`
	RedirectPort int          `json:"redirectPort,omitempty"`
	// Token is the current token, nil before authorization.
	Token *Token `json:"-"`
}

// Token is an OAuth 2.0 token as stored.
type Token struct {
	AccessToken  Secret    `json:"-"`
	TokenType    string    `json:"tokenType,omitempty"`
	RefreshToken Secret    `json:"-"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

// storedToken is Token in the sealed part.
type storedToken struct {
	AccessToken  string    `json:"accessToken"`
	TokenType    string    `json:"tokenType,omitempty"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

func (t *Token) stored() *storedToken {
	if t == nil {
		return nil
	}
	return &storedToken{AccessToken: t.AccessToken.Reveal(), TokenType: t.TokenType, RefreshToken: t.RefreshToken.Reveal(), Expiry: t.Expiry}
}

func (s *storedToken) token() *Token {
	if s == nil {
		return nil
	}
	return &Token{AccessToken: Secret(s.AccessToken), TokenType: s.TokenType, RefreshToken: Secret(s.RefreshToken), Expiry: s.Expiry}
}

// SetDefaults fills the fields left empty with Make's defaults.
func (o *OAuth2) SetDefaults() {
	if o.Flow == "" {
		o.Flow = FlowCode
	}
	if o.ScopeSeparator == "" {
		o.ScopeSeparator = DefaultScopeSeparator
	}
	if o.ClientAuth == "" {
		o.ClientAuth = ClientAuthBody
	}
	if o.TokenPlacement == "" {
		o.TokenPlacement = PlaceHeader
	}
	if o.HeaderTokenName == "" {
		o.HeaderTokenName = DefaultHeaderTokenName
	}
	if o.QueryParamName == "" {
		o.QueryParamName = DefaultQueryParamName
	}
}

func (o *OAuth2) validate() error {
	o.SetDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch o.Flow {
	case FlowCode, FlowImplicit, FlowClientCredentials:
	default:
		bad("flow must be code, implicit or client-credentials, got %q", o.Flow)
	}
	checkURI := func(name, v string, required bool) {
		if v == "" {
			if required {
				bad("%s is required for the %s flow", name, o.Flow)
			}
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s must be an http or https URL, got %q", name, v)
		}
	}
	checkURI("authorize URI", o.AuthorizeURI, o.Flow != FlowClientCredentials)
	checkURI("token URI", o.TokenURI, o.Flow != FlowImplicit)
	checkURI("refresh URI", o.RefreshURI, false)
	if strings.TrimSpace(o.ClientID) == "" {
		bad("client id is required")
	}
	if o.Flow == FlowClientCredentials && o.ClientSecret == "" {
		bad("client secret is required for the client-credentials flow")
	}
	if o.PKCE && o.Flow != FlowCode {
		bad("PKCE applies to the code flow only")
	}
	if _, ok := scopeSeparators[o.ScopeSeparator]; !ok {
		bad("scope separator must be space, comma or plus, got %q", o.ScopeSeparator)
	}
	if o.ClientAuth != ClientAuthBody && o.ClientAuth != ClientAuthBasic {
		bad("client authentication must be body or basic, got %q", o.ClientAuth)
	}
	switch o.TokenPlacement {
	case PlaceHeader, PlaceQuery, PlaceBoth:
	default:
		bad("token placement must be header, query or both, got %q", o.TokenPlacement)
	}
	if o.RedirectPort < 0 || o.RedirectPort > 65535 {
		bad("redirect port must be 0–65535, got %d", o.RedirectPort)
	}
	return errors.Join(errs...)
}

var scopeSeparators = map[string]string{"space": " ", "comma": ",", "plus": "+"}

func (o *OAuth2) view() map[string]any {
	v := map[string]any{
		"flow": o.Flow, "authorizeUri": o.AuthorizeURI, "tokenUri": o.TokenURI, "refreshUri": o.RefreshURI,
		"clientId": o.ClientID, "clientSecret": o.ClientSecret.String(), "scopes": nonNil(o.Scopes),
		"scopeSeparator": o.ScopeSeparator, "pkce": o.PKCE, "clientAuth": o.ClientAuth,
		"tokenPlacement": o.TokenPlacement, "headerTokenName": o.HeaderTokenName, "queryParamName": o.QueryParamName,
		"authorizeParams": params(o.AuthorizeParams, false), "tokenParams": params(o.TokenParams, false),
		"refreshParams": params(o.RefreshParams, false), "tokenHeaders": params(o.TokenHeaders, true),
		"redirectPort": o.RedirectPort, "accessToken": "", "refreshToken": "",
	}
	if o.Token != nil {
		v["accessToken"] = o.Token.AccessToken.String()
		v["refreshToken"] = o.Token.RefreshToken.String()
		v["tokenType"] = o.Token.TokenType
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func params(ps []Param, redact bool) []map[string]string {
	out := make([]map[string]string, 0, len(ps))
	for _, p := range ps {
		v := p.Value
		if redact && v != "" {
			v = Redacted
		}
		out = append(out, map[string]string{"name": p.Name, "value": v})
	}
	return out
}
