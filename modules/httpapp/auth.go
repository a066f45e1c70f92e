package httpapp

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

// WithConnections gives the authenticated modules (and useMtls) the
// stored connections that the blueprint's keychain and account ids map to.
// Without it, a module that needs a connection fails to load.
func WithConnections(r *connections.Resolver) Option {
	return func(d *deps) { d.conns = r }
}

// authSpecs declares the modules that authenticate with a stored
// connection: basic auth, API key, OAuth 2.0 and client certificate.
//
// The blueprint names the connection in parameters:
//
//	http:ActionSendDataBasicAuth      parameters.key           basic
//	http:ActionSendDataAPIKeyAuth     parameters.auth          apikey
//	http:ActionSendDataAdvanced       parameters.__IMTCONN__   oauth2
//	                                  (or parameters.connection)
//	http:ActionSendDataClientCertAuth parameters.key           cert
//	                                  (or __IMTCONN__, connection)
func authSpecs(d *deps) []*engine.Spec {
	return []*engine.Spec{
		authSpec(d, "http:ActionSendDataBasicAuth", "Make a Basic Auth request",
			"Sends an HTTP request with the user name and password of a basic-auth keychain, preemptively.",
			[]string{"key"}, connections.KindBasic),
		authSpec(d, "http:ActionSendDataAPIKeyAuth", "Make an API Key Auth request",
			"Sends an HTTP request with the key of an API-key keychain in a header or a query parameter.",
			[]string{"auth"}, connections.KindAPIKey),
		authSpec(d, "http:ActionSendDataAdvanced", "Make an OAuth 2.0 request",
			"Sends an HTTP request with the access token of an OAuth 2.0 connection, refreshing it before it expires and once after a 401.",
			[]string{"__IMTCONN__", "connection"}, connections.KindOAuth2),
		authSpec(d, "http:ActionSendDataClientCertAuth", "Make a Client Certificate Auth request",
			"Sends an HTTP request presenting the client certificate of a certificate keychain (mutual TLS).",
			[]string{"key", "__IMTCONN__", "connection"}, connections.KindCert),
	}
}

func authSpec(d *deps, id, label, desc string, params []string, kind connections.Kind) *engine.Spec {
	return &engine.Spec{
		ID:          id,
		Versions:    []int{3},
		Label:       label,
		Description: desc,
		Parameters: []engine.Field{
			{Name: params[0], Label: "Credentials", Type: engine.Text, Required: true,
				Description: fmt.Sprintf("The %s connection id; map it to a stored connection with `reqflow run --connection ID=NAME`.", kind)},
			handleErrorsParam,
		},
		Mapper: commonMapper,
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			handle := p.Bool("handleErrors", false)
			if err := p.Err(); err != nil {
				return nil, fmt.Errorf("parameters: %w", err)
			}
			if err := checkStatic(m.Mapper); err != nil {
				return nil, err
			}
			cred, err := loadCredential(d, m.Parameters, params, kind)
			if err != nil {
				return nil, err
			}
			if err := checkMTLS(d, m.Mapper, "useMtls"); err != nil {
				return nil, err
			}
			return &authRequest{d: d, cred: cred, handleErrors: handle}, nil
		},
	}
}

// connectionID reads the first of the parameters that is set, as text
// (Make writes keychain ids as numbers).
func connectionID(parameters map[string]any, names []string) (string, string) {
	p := engine.NewFields(parameters)
	for _, n := range names {
		if p.Has(n) {
			return n, strings.TrimSpace(p.Text(n))
		}
	}
	return names[0], ""
}

// loadCredential resolves the module's connection at load time, so that a
// blueprint whose connection is missing fails before its first request.
func loadCredential(d *deps, parameters map[string]any, names []string, kind connections.Kind) (credential, error) {
	field, id := connectionID(parameters, names)
	if id == "" {
		return nil, fmt.Errorf("parameters: field %q: the id of the %s connection is required", field, kind)
	}
	c, err := d.conns.Connection(context.Background(), id, kind)
	if err != nil {
		return nil, fmt.Errorf("parameters: field %q: %w", field, err)
	}
	return newCredential(d, c)
}

func newCredential(d *deps, c *connections.Connection) (credential, error) {
	switch c.Kind {
	case connections.KindBasic:
		return &basicCred{c.Basic}, nil
	case connections.KindAPIKey:
		return &apiKeyCred{c.APIKey}, nil
	case connections.KindCert:
		tc, err := c.Cert.TLSCertificate()
		if err != nil {
			return nil, fmt.Errorf("connection %q: %w", c.Name, err)
		}
		return &certCred{cert: tc, key: c.Cert.KeyPEM}, nil
	case connections.KindOAuth2:
		return newOAuth2Cred(d, c)
	}
	return nil, fmt.Errorf("connection %q: unsupported kind %q", c.Name, c.Kind)
}

// checkMTLS fails at load time when a module asks for mutual TLS with a
// static "true" and no instance-wide client certificate is configured.
func checkMTLS(d *deps, mapper map[string]any, field string) error {
	v, ok := mapper[field].(string)
	if b, isBool := mapper[field].(bool); isBool {
		ok, v = true, fmt.Sprint(b)
	}
	if !ok || strings.Contains(v, "{{") || !engine.NewFields(map[string]any{field: v}).Bool(field, false) {
		return nil
	}
	if _, err := d.conns.InstanceCertificate(context.Background()); err != nil {
		return fmt.Errorf("mapper: field %q: %w", field, err)
	}
	return nil
}

// credential adds a connection's credentials to requests.
type credential interface {
	// apply sets the credentials on req.
	apply(ctx context.Context, req *httpclient.Request) error
	// renew is called once after a 401 to rejected (the request as it was
	// sent); it reports whether new credentials were obtained, so the
	// request is worth sending again.
	renew(ctx context.Context, rejected *httpclient.Request) (bool, error)
	// secrets lists the values that must never reach an error message.
	secrets() []string
}

// authRequest is one of the v3 authenticated "Make a request" modules.
type authRequest struct {
	d            *deps
	cred         credential
	handleErrors bool
}

// Run sends one request with the connection's credentials.
func (a *authRequest) Run(ctx context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	req, parseBody := v3Request(f)
	mtls := f.Bool("useMtls", false)
	if err := f.Err(); err != nil {
		return nil, &engine.Error{Type: engine.InvalidConfigurationError, Message: err.Error(), Err: err}
	}
	if f.Bool("shareCookies", false) {
		req.Jar = op.Execution.CookieJar()
	}
	return sendAuthenticated(ctx, a.d, a.cred, req, mtls, a.handleErrors, parseBody)
}

// sendAuthenticated adds the store's CA certificates, the instance-wide
// client certificate (mtls) and the credentials to req, sends it, and after
// a 401 renews the credentials once and sends it again. Secrets are
// scrubbed from any error.
func sendAuthenticated(ctx context.Context, d *deps, cred credential, req *httpclient.Request, mtls, handleErrors, parseBody bool) ([]bundle.Bundle, error) {
	if err := prepareTLS(ctx, d, req, mtls); err != nil {
		return nil, err
	}
	var secrets []string
	base := *req // before the credentials, for a retry
	if cred != nil {
		secrets = cred.secrets()
		if err := cred.apply(ctx, req); err != nil {
			return nil, scrub(asEngineError(err), secrets)
		}
		secrets = cred.secrets()
	}
	outs, err := send(ctx, d.client, req, handleErrors, parseBody)
	if cred != nil && unauthorized(outs, err) {
		renewed, rerr := cred.renew(ctx, req)
		if rerr != nil {
			return nil, scrub(asEngineError(rerr), append(secrets, cred.secrets()...))
		}
		if renewed {
			retry := base
			retry.Headers = append([]httpclient.Header(nil), base.Headers...)
			retry.Query = append([]httpclient.Param(nil), base.Query...)
			if err := cred.apply(ctx, &retry); err != nil {
				return nil, scrub(asEngineError(err), secrets)
			}
			secrets = append(secrets, cred.secrets()...)
			outs, err = send(ctx, d.client, &retry, handleErrors, parseBody)
		}
	}
	if err != nil {
		return nil, scrub(err, secrets)
	}
	return outs, nil
}

// prepareTLS adds the store's CA keys (trusted besides the system roots and
// the module's own ca) and, for useMtls, the instance-wide certificate.
func prepareTLS(ctx context.Context, d *deps, req *httpclient.Request, mtls bool) error {
	if d.conns == nil {
		if mtls {
			return engine.Errorf(engine.InvalidConfigurationError, "useMtls: no instance-wide client certificate is configured")
		}
		return nil
	}
	cas, err := d.conns.TrustedCAs(ctx)
	if err == nil && len(cas) > 0 {
		ca := append([]byte(nil), req.CA...)
		if len(ca) > 0 && ca[len(ca)-1] != '\n' {
			ca = append(ca, '\n')
		}
		req.CA = append(ca, cas...)
	}
	if mtls && len(req.Certificates) == 0 {
		tc, err := d.conns.InstanceCertificate(ctx)
		if err != nil {
			return &engine.Error{Type: engine.InvalidConfigurationError, Message: err.Error()}
		}
		req.Certificates = append(req.Certificates, tc)
	}
	return nil
}

// unauthorized reports whether a send ended with a 401, as an output
// bundle or as a status error.
func unauthorized(outs []bundle.Bundle, err error) bool {
	var e *engine.Error
	if errors.As(err, &e) {
		return e.StatusCode == 401 && e.Type == engine.RuntimeError
	}
	if len(outs) == 1 {
		code, _ := outs[0]["statusCode"].(int)
		return code == 401
	}
	return false
}

func asEngineError(err error) error {
	var e *engine.Error
	if errors.As(err, &e) {
		return err
	}
	return &engine.Error{Type: engine.InvalidConfigurationError, Message: err.Error(), Err: err}
}

// scrub removes secrets (and their URL-encoded forms) from an error's
// message and drops its cause chain, which could hold them too.
func scrub(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	e := engine.AsError(err)
	msg := e.Message
	changed := false
	for _, s := range secrets {
		if len(s) < 3 {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if strings.Contains(msg, form) {
				msg = strings.ReplaceAll(msg, form, connections.Redacted)
				changed = true
			}
		}
	}
	if !changed {
		return err
	}
	c := *e
	c.Message, c.Err = msg, errors.New(msg)
	return &c
}

// basicCred sends a basic-auth keychain preemptively.
type basicCred struct{ b *connections.Basic }

func (c *basicCred) apply(_ context.Context, req *httpclient.Request) error {
	req.Username, req.Password = c.b.Username, c.b.Password.Reveal()
	return nil
}

func (c *basicCred) renew(context.Context, *httpclient.Request) (bool, error) { return false, nil }
func (c *basicCred) secrets() []string {
	// The Authorization value too: error pages quote request headers.
	auth := base64.StdEncoding.EncodeToString([]byte(c.b.Username + ":" + c.b.Password.Reveal()))
	return []string{c.b.Password.Reveal(), auth}
}

// apiKeyCred sends an API key in a header (replacing a header of the same
// name) or a query parameter.
type apiKeyCred struct{ k *connections.APIKey }

func (c *apiKeyCred) apply(_ context.Context, req *httpclient.Request) error {
	key := c.k.Key.Reveal()
	if c.k.Placement == connections.PlacementQuery {
		req.Query = append(req.Query, httpclient.Param{Name: c.k.Name, Value: key})
		return nil
	}
	req.Headers = append(dropHeader(req.Headers, c.k.Name), httpclient.Header{Name: c.k.Name, Value: key})
	req.SensitiveHeaders = append(req.SensitiveHeaders, c.k.Name)
	return nil
}

func (c *apiKeyCred) renew(context.Context, *httpclient.Request) (bool, error) { return false, nil }
func (c *apiKeyCred) secrets() []string                                        { return []string{c.k.Key.Reveal()} }

// certCred presents a client certificate.
type certCred struct {
	cert tls.Certificate
	key  connections.Secret
}

func (c *certCred) apply(_ context.Context, req *httpclient.Request) error {
	req.Certificates = append(req.Certificates[:0:0], c.cert)
	return nil
}

func (c *certCred) renew(context.Context, *httpclient.Request) (bool, error) { return false, nil }
func (c *certCred) secrets() []string                                        { return nil }

func dropHeader(hs []httpclient.Header, name string) []httpclient.Header {
	out := make([]httpclient.Header, 0, len(hs)+1)
	for _, h := range hs {
		if !strings.EqualFold(h.Name, name) {
			out = append(out, h)
		}
	}
	return out
}

// Interface guards.
var (
	_ engine.Module = (*authRequest)(nil)
	_ credential    = (*basicCred)(nil)
	_ credential    = (*apiKeyCred)(nil)
	_ credential    = (*certCred)(nil)
)

// v4Credential resolves the connection of http:MakeRequest from its
// authenticationType and the matching parameter; tlsType mTls presents the
// instance-wide client certificate.
func v4Credential(d *deps, parameters map[string]any, auth string) (credential, bool, error) {
	p := engine.NewFields(parameters)
	mtls := p.OneOf("tlsType", "", "", "mTls", "tls") == "mTls"
	if err := p.Err(); err != nil {
		return nil, false, fmt.Errorf("parameters: %w", err)
	}
	if mtls {
		if _, err := d.conns.InstanceCertificate(context.Background()); err != nil {
			return nil, false, fmt.Errorf("parameters: field %q: %w", "tlsType", err)
		}
	}
	var field string
	var kind connections.Kind
	switch auth {
	case "apiKey":
		field, kind = "apiKeyKeychain", connections.KindAPIKey
	case "basicAuth":
		field, kind = "basicAuthKeychain", connections.KindBasic
	case "oAuth":
		field, kind = "oAuthAccount", connections.KindOAuth2
	default:
		return nil, mtls, nil
	}
	cred, err := loadCredential(d, parameters, []string{field}, kind)
	return cred, mtls, err
}
