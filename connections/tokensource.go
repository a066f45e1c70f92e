package connections

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Token lifecycle settings.
const (
	// RefreshBefore is how close to its expiry an access token is
	// refreshed before use.
	RefreshBefore = time.Minute
	// refreshLease bounds how long one refresh holds the store's lock.
	refreshLease = 2 * time.Minute
	// tokenTimeout bounds one token request.
	tokenTimeout = 30 * time.Second
)

// ErrNeedsAuthorization is matched (errors.Is) by the error of an OAuth 2.0
// connection that has no usable token and cannot get one without the user:
// never authorized, refresh refused (invalid_grant), or expired without a
// refresh token.
var ErrNeedsAuthorization = errors.New("needs authorization")

// AuthorizationError says that a connection needs `reqflow connections
// authorize` (again), and why.
type AuthorizationError struct {
	// Name is the connection's name.
	Name string
	// Reason says why; Err is the token endpoint's refusal, if any.
	Reason string
	Err    error
}

func (e *AuthorizationError) Error() string {
	msg := fmt.Sprintf("connection %q needs authorization: %s", e.Name, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg + " (run: reqflow connections authorize " + e.Name + ")"
}

// Is matches ErrNeedsAuthorization.
func (e *AuthorizationError) Is(target error) bool { return target == ErrNeedsAuthorization }

// Unwrap returns the token endpoint's error.
func (e *AuthorizationError) Unwrap() error { return e.Err }

// connLock returns the in-process mutex of a connection; the store lock
// covers other processes.
func (m *Manager) connLock(name string) *sync.Mutex {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.locks[name]
	if l == nil {
		l = &sync.Mutex{}
		m.locks[name] = l
	}
	return l
}

// AccessToken returns the OAuth 2.0 connection name with a usable access
// token. A token that expires within RefreshBefore is refreshed first (a
// client-credentials connection fetches a new one). rejected, when not
// empty, is a token an API just refused with 401: unless the stored token
// already differs from it, the token is refreshed.
//
// A usable token is kept in memory, so most calls do not touch the store;
// the store is read again whenever the token is due for renewal or was
// rejected, which is how a refresh by another process is picked up.
//
// One refresh runs at a time per connection, across processes: the
// refresh happens under the connection's lock in the store, after reading
// the token again (another process may have refreshed it meanwhile), and
// every new token is saved before it is used. A refused refresh
// (invalid_grant) marks the connection needs-authorization and returns an
// *AuthorizationError.
func (m *Manager) AccessToken(ctx context.Context, name string, rejected Secret) (*Connection, error) {
	if c := m.cached(name); c != nil && m.usable(c, rejected) {
		return c, nil
	}
	c, err := m.oauth2Connection(ctx, name)
	if err != nil {
		return nil, err
	}
	if m.usable(c, rejected) {
		m.cache(c)
		return c, nil
	}
	mu := m.connLock(name)
	mu.Lock()
	defer mu.Unlock()
	unlock, err := m.st.Lock(ctx, "oauth2:"+name, refreshLease)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c, err = m.oauth2Connection(ctx, name); err != nil {
		return nil, err
	}
	if m.usable(c, rejected) {
		m.cache(c)
		return c, nil
	}
	return m.renew(ctx, c, rejected)
}

// cached returns the cached connection, which callers must not change.
func (m *Manager) cached(name string) *Connection {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokens[name]
}

func (m *Manager) cache(c *Connection) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[c.Name] = c
}

func (m *Manager) uncache(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tokens, name)
}

func (m *Manager) oauth2Connection(ctx context.Context, name string) (*Connection, error) {
	c, err := m.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	if c.Kind != KindOAuth2 {
		return nil, fmt.Errorf("connection %q is a %s connection, not oauth2", name, c.Kind)
	}
	return c, nil
}

func (m *Manager) usable(c *Connection, rejected Secret) bool {
	t := c.OAuth2.Token
	if c.Status != StatusOK || t == nil || t.AccessToken == "" {
		return false
	}
	if rejected != "" && t.AccessToken == rejected {
		return false
	}
	return t.Expiry.IsZero() || m.now().Add(RefreshBefore).Before(t.Expiry)
}

// renew gets a new token for c, under the lock.
func (m *Manager) renew(ctx context.Context, c *Connection, rejected Secret) (*Connection, error) {
	o := c.OAuth2
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	var t *Token
	var err error
	switch {
	case o.Flow == FlowClientCredentials:
		t, err = m.clientCredentials(ctx, o)
	case c.Status == StatusNeedsAuthorization:
		reason := "it was never authorized"
		if o.Token != nil {
			reason = "its refresh was refused"
		}
		return nil, &AuthorizationError{Name: c.Name, Reason: reason}
	case o.Token != nil && o.Token.RefreshToken != "":
		t, err = m.refreshToken(ctx, o, o.Token)
	default:
		reason := "the access token expired and there is no refresh token"
		if rejected != "" {
			reason = "the access token was refused and there is no refresh token"
		}
		m.uncache(c.Name)
		if err := m.st.SetConnectionStatus(ctx, c.Name, StatusNeedsAuthorization); err != nil {
			return nil, err
		}
		return nil, &AuthorizationError{Name: c.Name, Reason: reason}
	}
	if err != nil {
		var te *TokenError
		if errors.As(err, &te) && (te.Code == "invalid_grant" || o.Flow == FlowClientCredentials && te.Code == "invalid_client") {
			m.uncache(c.Name)
			if serr := m.st.SetConnectionStatus(context.WithoutCancel(ctx), c.Name, StatusNeedsAuthorization); serr != nil {
				return nil, serr
			}
			return nil, &AuthorizationError{Name: c.Name, Reason: "the token endpoint refused to refresh the token", Err: err}
		}
		return nil, fmt.Errorf("refreshing the token of connection %q: %w", c.Name, err)
	}
	if err := m.saveToken(context.WithoutCancel(ctx), c, t); err != nil {
		return nil, err
	}
	return c, nil
}

// saveToken stores a new token for c (status ok) and updates c.
func (m *Manager) saveToken(ctx context.Context, c *Connection, t *Token) error {
	c.OAuth2.Token, c.Status, c.ExpiresAt = t, StatusOK, t.Expiry
	_, sec := c.split()
	sj, err := json.Marshal(sec)
	if err != nil {
		return fmt.Errorf("encoding token of connection %q: %w", c.Name, err)
	}
	if err := m.st.UpdateConnectionSecret(ctx, c.Name, sj, StatusOK, t.Expiry); err != nil {
		return err
	}
	cp := *c
	o := *c.OAuth2
	cp.OAuth2 = &o
	m.cache(&cp)
	return nil
}

// httpClient returns the client for token requests: the one given with
// WithHTTPClient, else one trusting the system roots and the store's CA
// keys.
func (m *Manager) httpClient(ctx context.Context) (*http.Client, error) {
	if m.client != nil {
		return m.client, nil
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DisableKeepAlives = true
	cas, err := m.TrustedCAs(ctx)
	if err != nil {
		return nil, err
	}
	if len(cas) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(cas)
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t, Timeout: tokenTimeout}, nil
}
