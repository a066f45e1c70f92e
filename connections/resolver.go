package connections

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Resolver maps the connection ids a blueprint names (Make's keychain and
// account ids: parameters.key, parameters.auth, parameters.__IMTCONN__,
// v4 basicAuthKeychain, apiKeyKeychain, oAuthAccount) to stored
// connections, as `reqflow run --connection ID=NAME` asks. The store is
// opened on first use, so scenarios without connections never touch it.
type Resolver struct {
	ids  map[string]string
	open func(ctx context.Context) (*Manager, error)

	once sync.Once
	m    *Manager
	err  error

	// The instance-wide settings are read once per resolver (per run).
	caOnce   sync.Once
	cas      []byte
	caErr    error
	certOnce sync.Once
	cert     tls.Certificate
	certErr  error
}

// NewResolver returns a resolver for the id → connection name mapping;
// open opens the store when a module first needs it.
func NewResolver(ids map[string]string, open func(ctx context.Context) (*Manager, error)) *Resolver {
	if ids == nil {
		ids = map[string]string{}
	}
	return &Resolver{ids: ids, open: open}
}

// NewManagerResolver returns a resolver over an open manager.
func NewManagerResolver(ids map[string]string, m *Manager) *Resolver {
	return NewResolver(ids, func(context.Context) (*Manager, error) { return m, nil })
}

// Manager returns the manager, opening the store on first use.
func (r *Resolver) Manager(ctx context.Context) (*Manager, error) {
	if r == nil || r.open == nil {
		return nil, errors.New("no connection store is available")
	}
	r.once.Do(func() { r.m, r.err = r.open(ctx) })
	return r.m, r.err
}

// ErrNotMapped is the error of a blueprint connection id with no mapping.
var ErrNotMapped = errors.New("not mapped to a stored connection")

// Connection returns the stored connection that a blueprint id maps to,
// checking that it has one of the wanted kinds.
func (r *Resolver) Connection(ctx context.Context, id string, want ...Kind) (*Connection, error) {
	if r == nil {
		return nil, fmt.Errorf("connection id %s is %w (run with --connection %s=NAME)", id, ErrNotMapped, id)
	}
	name, ok := r.ids[id]
	if !ok {
		return nil, fmt.Errorf("connection id %s is %w (run with --connection %s=NAME)", id, ErrNotMapped, id)
	}
	m, err := r.Manager(ctx)
	if err != nil {
		return nil, err
	}
	c, err := m.Get(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("connection id %s: %w", id, err)
	}
	if len(want) > 0 {
		ok := false
		names := make([]string, len(want))
		for i, k := range want {
			ok = ok || c.Kind == k
			names[i] = string(k)
		}
		if !ok {
			return nil, fmt.Errorf("connection id %s: connection %q is a %s connection; this module needs %s", id, name, c.Kind, strings.Join(names, " or "))
		}
	}
	return c, nil
}

// IDs returns the mapped blueprint ids, sorted.
func (r *Resolver) IDs() []string {
	out := make([]string, 0, len(r.ids))
	for id := range r.ids {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// InstanceCertificate returns the instance-wide client certificate for
// useMtls, or an error saying how to configure one. It is read once per
// resolver.
func (r *Resolver) InstanceCertificate(ctx context.Context) (tls.Certificate, error) {
	if r == nil {
		return tls.Certificate{}, errors.New("useMtls: no connection store is available")
	}
	r.certOnce.Do(func() { r.cert, r.certErr = r.instanceCertificate(ctx) })
	return r.cert, r.certErr
}

func (r *Resolver) instanceCertificate(ctx context.Context) (tls.Certificate, error) {
	m, err := r.Manager(ctx)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("useMtls: %w", err)
	}
	c, ok, err := m.InstanceCertificate(ctx)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("useMtls: %w", err)
	}
	if !ok {
		return tls.Certificate{}, errors.New("useMtls: no instance-wide client certificate is configured (add one with: reqflow keys add cert NAME --cert FILE --key FILE --mtls)")
	}
	return c, nil
}

// TrustedCAs returns the PEM of the store's CA keys, nil when there is
// none. It is read once per resolver.
func (r *Resolver) TrustedCAs(ctx context.Context) ([]byte, error) {
	if r == nil {
		return nil, errors.New("no connection store is available")
	}
	r.caOnce.Do(func() {
		m, err := r.Manager(ctx)
		if err != nil {
			r.caErr = err
			return
		}
		r.cas, r.caErr = m.TrustedCAs(ctx)
	})
	return r.cas, r.caErr
}
