// Package connections holds reqflow's connections (Make's keychains and
// accounts): named credentials of four kinds — basic auth, API key, OAuth
// 2.0 and client certificate — kept in the local store with their secrets
// sealed, and the OAuth 2.0 flows and token source that keep access tokens
// fresh.
//
// A Manager creates, reads, lists and deletes connections and keys in a
// store.Store. Secrets are held in values of type Secret, whose String,
// LogValue and MarshalJSON redact them, so printing a Connection or logging
// it never shows a password, key or token.
package connections

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/reqflow/reqflow/store"
)

// Kind is a connection's kind.
type Kind string

// The connection kinds.
const (
	KindBasic  Kind = "basic"
	KindAPIKey Kind = "apikey"
	KindOAuth2 Kind = "oauth2"
	KindCert   Kind = "cert"
)

// Kinds lists every connection kind.
var Kinds = []Kind{KindBasic, KindAPIKey, KindOAuth2, KindCert}

// Statuses a connection can have.
const (
	StatusOK                 = store.StatusOK
	StatusNeedsAuthorization = store.StatusNeedsAuthorization
)

// Redacted replaces a secret wherever one would be printed.
const Redacted = "[redacted]"

// Secret is a credential. It prints, logs and marshals as [redacted]; use
// Reveal to get the value.
type Secret string

// String redacts the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString redacts the secret in %#v.
func (s Secret) GoString() string { return s.String() }

// LogValue redacts the secret in log/slog records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON redacts the secret.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Reveal returns the secret's value, for use on the wire only.
func (s Secret) Reveal() string { return string(s) }

// Basic is a basic-auth keychain (Make's keychain:basicauth).
type Basic struct {
	Username string `json:"username"`
	Password Secret `json:"password"`
}

// API-key placements.
const (
	PlacementHeader = "header"
	PlacementQuery  = "qs"
)

// APIKey is an API-key keychain (Make's keychain:apikeyauth): the key is
// sent in a header or a query parameter called Name.
type APIKey struct {
	Key       Secret `json:"key"`
	Placement string `json:"placement"`
	Name      string `json:"name"`
}

// Cert is a client certificate keychain (Make's keychain:clientcertauth):
// a PEM certificate chain and its private key (PKCS#8 PEM, decrypted when
// it was added).
type Cert struct {
	CertPEM []byte `json:"-"`
	KeyPEM  Secret `json:"key"`
	// Subject and NotAfter describe the leaf certificate.
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"notAfter"`
}

// TLSCertificate returns the certificate for a TLS client.
func (c *Cert) TLSCertificate() (tls.Certificate, error) {
	tc, err := tls.X509KeyPair(c.CertPEM, []byte(c.KeyPEM.Reveal()))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("loading client certificate: %w", err)
	}
	return tc, nil
}

// Connection is a named, stored credential.
type Connection struct {
	// Name is the connection's unique name.
	Name string `json:"name"`
	// Kind says which of the fields below is set.
	Kind Kind `json:"type"`
	// Status is StatusOK or StatusNeedsAuthorization (OAuth 2.0 only).
	Status string `json:"status"`
	// ExpiresAt is the access token's expiry (OAuth 2.0), zero if unknown.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// Created is when the connection was made.
	Created time.Time `json:"created,omitzero"`

	Basic  *Basic  `json:"basic,omitempty"`
	APIKey *APIKey `json:"apikey,omitempty"`
	OAuth2 *OAuth2 `json:"oauth2,omitempty"`
	Cert   *Cert   `json:"cert,omitempty"`

	version int64
}

// ErrNotFound is returned for a connection or key that does not exist.
var ErrNotFound = store.ErrNotFound

// Manager manages the connections and keys of a store, and runs their
// OAuth 2.0 token requests.
type Manager struct {
	st     *store.Store
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	locks map[string]*sync.Mutex
	// tokens caches the last usable OAuth 2.0 connection per name; the
	// store is read again when its token is due for renewal.
	tokens map[string]*Connection
}

// ManagerOption configures a Manager.
type ManagerOption func(*Manager)

// WithHTTPClient sets the client for token requests (tests point it at a
// loopback server with a private CA). The default is a client with a 30 s
// timeout that trusts the system roots and the store's CA keys.
func WithHTTPClient(c *http.Client) ManagerOption { return func(m *Manager) { m.client = c } }

// WithClock sets the clock used for token expiry.
func WithClock(now func() time.Time) ManagerOption { return func(m *Manager) { m.now = now } }

// NewManager returns a Manager over st.
func NewManager(st *store.Store, opts ...ManagerOption) *Manager {
	m := &Manager{st: st, now: time.Now, locks: map[string]*sync.Mutex{}, tokens: map[string]*Connection{}}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Store returns the underlying store.
func (m *Manager) Store() *store.Store { return m.st }

// secretPart is what a connection keeps sealed.
type secretPart struct {
	Password     string       `json:"password,omitempty"`
	Key          string       `json:"key,omitempty"`
	PrivateKey   string       `json:"privateKey,omitempty"`
	ClientSecret string       `json:"clientSecret,omitempty"`
	TokenHeaders []Param      `json:"tokenHeaders,omitempty"`
	Token        *storedToken `json:"token,omitempty"`
}

// configPart is what a connection keeps in the clear.
type configPart struct {
	Username  string  `json:"username,omitempty"`
	Placement string  `json:"placement,omitempty"`
	Name      string  `json:"name,omitempty"`
	CertPEM   string  `json:"certPem,omitempty"`
	OAuth2    *OAuth2 `json:"oauth2,omitempty"`
}

// Validate checks a connection before it is stored.
func (c *Connection) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return errors.New("a connection needs a name")
	}
	set := 0
	for _, p := range []bool{c.Basic != nil, c.APIKey != nil, c.OAuth2 != nil, c.Cert != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("connection %q: exactly one of basic, apikey, oauth2 or cert must be set", c.Name)
	}
	switch c.Kind {
	case KindBasic:
		if c.Basic == nil {
			return fmt.Errorf("connection %q: kind basic without basic settings", c.Name)
		}
		if c.Basic.Username == "" && c.Basic.Password == "" {
			return fmt.Errorf("connection %q: a user name or a password is required", c.Name)
		}
	case KindAPIKey:
		a := c.APIKey
		if a == nil {
			return fmt.Errorf("connection %q: kind apikey without API key settings", c.Name)
		}
		if a.Key == "" {
			return fmt.Errorf("connection %q: the key is required", c.Name)
		}
		if a.Placement != PlacementHeader && a.Placement != PlacementQuery {
			return fmt.Errorf("connection %q: placement must be header or qs, got %q", c.Name, a.Placement)
		}
		if strings.TrimSpace(a.Name) == "" {
			return fmt.Errorf("connection %q: the header or parameter name is required", c.Name)
		}
	case KindCert:
		if c.Cert == nil {
			return fmt.Errorf("connection %q: kind cert without a certificate", c.Name)
		}
		if _, err := c.Cert.TLSCertificate(); err != nil {
			return fmt.Errorf("connection %q: %w", c.Name, err)
		}
	case KindOAuth2:
		if c.OAuth2 == nil {
			return fmt.Errorf("connection %q: kind oauth2 without OAuth 2.0 settings", c.Name)
		}
		if err := c.OAuth2.validate(); err != nil {
			return fmt.Errorf("connection %q: %w", c.Name, err)
		}
	default:
		return fmt.Errorf("connection %q: unknown kind %q", c.Name, c.Kind)
	}
	return nil
}

func (c *Connection) split() (configPart, secretPart) {
	var cfg configPart
	var sec secretPart
	switch {
	case c.Basic != nil:
		cfg.Username, sec.Password = c.Basic.Username, c.Basic.Password.Reveal()
	case c.APIKey != nil:
		cfg.Placement, cfg.Name, sec.Key = c.APIKey.Placement, c.APIKey.Name, c.APIKey.Key.Reveal()
	case c.Cert != nil:
		cfg.CertPEM, sec.PrivateKey = string(c.Cert.CertPEM), c.Cert.KeyPEM.Reveal()
	case c.OAuth2 != nil:
		o := *c.OAuth2
		sec.ClientSecret, sec.Token, sec.TokenHeaders = o.ClientSecret.Reveal(), o.Token.stored(), o.TokenHeaders
		o.ClientSecret, o.Token, o.TokenHeaders = "", nil, nil
		cfg.OAuth2 = &o
	}
	return cfg, sec
}

// Create validates and stores a new connection. A taken name is an error
// wrapping store.ErrExists.
func (m *Manager) Create(ctx context.Context, c *Connection) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Cert != nil {
		describeCert(c.Cert)
	}
	cfg, sec := c.split()
	cj, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encoding connection %q: %w", c.Name, err)
	}
	sj, err := json.Marshal(sec)
	if err != nil {
		return fmt.Errorf("encoding connection %q: %w", c.Name, err)
	}
	status := StatusOK
	var exp time.Time
	// A code or implicit connection needs `authorize` before its first
	// use; a client-credentials one fetches its token on its own.
	if o := c.OAuth2; o != nil && o.Token != nil {
		exp = o.Token.Expiry
	} else if o != nil && o.Flow != FlowClientCredentials {
		status = StatusNeedsAuthorization
	}
	c.Status, c.ExpiresAt = status, exp
	return m.st.CreateConnection(ctx, &store.Connection{Name: c.Name, Kind: string(c.Kind), Config: cj, Secret: sj, Status: status, ExpiresAt: exp})
}

// Get reads a connection, secrets included.
func (m *Manager) Get(ctx context.Context, name string) (*Connection, error) {
	rec, err := m.st.Connection(ctx, name)
	if err != nil {
		return nil, err
	}
	return decode(rec)
}

// List reads every connection, by name.
func (m *Manager) List(ctx context.Context) ([]*Connection, error) {
	recs, err := m.st.Connections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Connection, 0, len(recs))
	for _, r := range recs {
		c, err := decode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Delete removes a connection.
func (m *Manager) Delete(ctx context.Context, name string) error {
	m.uncache(name)
	return m.st.DeleteConnection(ctx, name)
}

func decode(rec *store.Connection) (*Connection, error) {
	var cfg configPart
	var sec secretPart
	if err := json.Unmarshal(rec.Config, &cfg); err != nil {
		return nil, fmt.Errorf("decoding connection %q: %w", rec.Name, err)
	}
	if err := json.Unmarshal(rec.Secret, &sec); err != nil {
		// The message of a JSON syntax error could quote secret bytes.
		return nil, fmt.Errorf("decoding connection %q: its secret part is not valid JSON", rec.Name)
	}
	c := &Connection{Name: rec.Name, Kind: Kind(rec.Kind), Status: rec.Status, ExpiresAt: rec.ExpiresAt, Created: rec.Created, version: rec.Version}
	switch c.Kind {
	case KindBasic:
		c.Basic = &Basic{Username: cfg.Username, Password: Secret(sec.Password)}
	case KindAPIKey:
		c.APIKey = &APIKey{Key: Secret(sec.Key), Placement: cfg.Placement, Name: cfg.Name}
	case KindCert:
		c.Cert = &Cert{CertPEM: []byte(cfg.CertPEM), KeyPEM: Secret(sec.PrivateKey)}
		describeCert(c.Cert)
	case KindOAuth2:
		if cfg.OAuth2 == nil {
			return nil, fmt.Errorf("decoding connection %q: no OAuth 2.0 settings", rec.Name)
		}
		o := *cfg.OAuth2
		o.ClientSecret, o.Token, o.TokenHeaders = Secret(sec.ClientSecret), sec.Token.token(), SecretParams(sec.TokenHeaders)
		c.OAuth2 = &o
	default:
		return nil, fmt.Errorf("decoding connection %q: unknown kind %q", rec.Name, rec.Kind)
	}
	return c, nil
}

// View is a connection as `reqflow connections show --json` prints it:
// every setting, no secret (a secret that is set shows as [redacted]).
func (c *Connection) View() map[string]any {
	v := map[string]any{"name": c.Name, "type": string(c.Kind), "status": c.Status}
	if !c.ExpiresAt.IsZero() {
		v["expiresAt"] = c.ExpiresAt.UTC().Format(time.RFC3339)
	} else {
		v["expiresAt"] = nil
	}
	if !c.Created.IsZero() {
		v["created"] = c.Created.UTC().Format(time.RFC3339)
	}
	switch {
	case c.Basic != nil:
		v["username"] = c.Basic.Username
		v["password"] = c.Basic.Password.String()
	case c.APIKey != nil:
		v["key"] = c.APIKey.Key.String()
		v["placement"] = c.APIKey.Placement
		v["name"] = c.Name
		v["parameterName"] = c.APIKey.Name
	case c.Cert != nil:
		v["subject"] = c.Cert.Subject
		if !c.Cert.NotAfter.IsZero() {
			v["notAfter"] = c.Cert.NotAfter.UTC().Format(time.RFC3339)
		}
		v["privateKey"] = c.Cert.KeyPEM.String()
	case c.OAuth2 != nil:
		for k, x := range c.OAuth2.view() {
			v[k] = x
		}
	}
	return v
}
