package httpapp

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"

	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

// oauth2Cred sends the access token of an OAuth 2.0 connection, placed as
// the connection says (Authorization header with its token name, a query
// parameter, or both). The token comes from the store on every request, so
// a refresh by another operation or process is picked up; a token about to
// expire is refreshed first, and a 401 refreshes it once.
type oauth2Cred struct {
	d    *deps
	name string

	mu   sync.Mutex
	seen []string // tokens and the client secret, scrubbed from errors
}

// maxSeen bounds the tokens an oauth2Cred remembers for scrubbing.
const maxSeen = 8

func newOAuth2Cred(d *deps, c *connections.Connection) (credential, error) {
	cred := &oauth2Cred{d: d, name: c.Name}
	cred.remember(c.OAuth2.ClientSecret.Reveal())
	return cred, nil
}

func (c *oauth2Cred) remember(s string) {
	if s == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.seen {
		if x == s {
			return
		}
	}
	if len(c.seen) >= maxSeen {
		c.seen = append(c.seen[:1], c.seen[2:]...) // keep the client secret
	}
	c.seen = append(c.seen, s)
}

func (c *oauth2Cred) secrets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

func (c *oauth2Cred) apply(ctx context.Context, req *httpclient.Request) error {
	return c.token(ctx, req, "")
}

// token places a usable token on req; rejected names a token a server
// just refused.
func (c *oauth2Cred) token(ctx context.Context, req *httpclient.Request, rejected connections.Secret) error {
	m, err := c.d.conns.Manager(ctx)
	if err != nil {
		return &engine.Error{Type: engine.InvalidConfigurationError, Message: err.Error(), Err: err}
	}
	conn, err := m.AccessToken(ctx, c.name, rejected)
	if err != nil {
		return tokenError(err)
	}
	o := conn.OAuth2
	tok := o.Token.AccessToken.Reveal()
	c.remember(o.ClientSecret.Reveal())
	c.remember(tok)
	if o.TokenPlacement == connections.PlaceHeader || o.TokenPlacement == connections.PlaceBoth {
		value := tok
		if o.HeaderTokenName != "" {
			value = o.HeaderTokenName + " " + tok
		}
		req.Headers = append(dropHeader(req.Headers, "Authorization"), httpclient.Header{Name: "Authorization", Value: value})
	}
	if o.TokenPlacement == connections.PlaceQuery || o.TokenPlacement == connections.PlaceBoth {
		req.Query = append(req.Query, httpclient.Param{Name: o.QueryParamName, Value: tok})
	}
	return nil
}

// renew refreshes the token that rejected carried, unless another
// operation or process already did.
func (c *oauth2Cred) renew(ctx context.Context, rejected *httpclient.Request) (bool, error) {
	sent := sentToken(rejected, c.secrets())
	if sent == "" {
		return false, nil
	}
	probe := &httpclient.Request{}
	if err := c.token(ctx, probe, connections.Secret(sent)); err != nil {
		return false, err
	}
	return true, nil
}

// sentToken finds which of the known tokens a request carried.
func sentToken(req *httpclient.Request, known []string) string {
	for _, tok := range known {
		for _, h := range req.Headers {
			if strings.EqualFold(h.Name, "Authorization") && (h.Value == tok || strings.HasSuffix(h.Value, " "+tok)) {
				return tok
			}
		}
		for _, p := range req.Query {
			if p.Value == tok {
				return tok
			}
		}
	}
	return ""
}

// tokenError maps a token failure onto Make's error types: a connection
// that needs authorization is InvalidAccessTokenError.
func tokenError(err error) error {
	t := engine.RuntimeError
	var ne net.Error
	switch {
	case errors.Is(err, connections.ErrNeedsAuthorization):
		t = engine.InvalidAccessTokenError
	case errors.As(err, &ne):
		t = engine.ConnectionError
	}
	return &engine.Error{Type: t, Message: err.Error(), Err: err}
}

var _ credential = (*oauth2Cred)(nil)
