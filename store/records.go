package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Connection statuses.
const (
	StatusOK                 = "ok"
	StatusNeedsAuthorization = "needs-authorization"
)

// Connection is a stored connection: its kind, its settings in the clear
// and its secret (opened from the sealed column on read, sealed on write).
type Connection struct {
	// Name is the connection's unique name.
	Name string
	// Kind is basic, apikey, oauth2 or cert.
	Kind string
	// Config holds the settings that are not secret, as JSON.
	Config []byte
	// Secret holds the secret part in the clear, as JSON. It is sealed
	// before it is written.
	Secret []byte
	// Status is StatusOK or StatusNeedsAuthorization.
	Status string
	// ExpiresAt is the access token's expiry, zero when unknown.
	ExpiresAt time.Time
	// Version increases with every change of the secret or status.
	Version int64
	// Created and Updated are the row's timestamps.
	Created, Updated time.Time
}

// CreateConnection stores a new connection. A taken name is ErrExists.
func (s *Store) CreateConnection(ctx context.Context, c *Connection) error {
	if strings.TrimSpace(c.Name) == "" {
		return errors.New("creating connection: a name is required")
	}
	sealed, err := s.seal.seal(c.Secret, "connections", c.Name)
	if err != nil {
		return fmt.Errorf("creating connection %q: %w", c.Name, err)
	}
	status := c.Status
	if status == "" {
		status = StatusOK
	}
	now := s.now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO connections (name, kind, config, secret, status, expires_at, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)`, c.Name, c.Kind, string(c.Config), sealed, status, unix(c.ExpiresAt), now.Unix(), now.Unix())
	if err != nil {
		if isConstraint(err) {
			return fmt.Errorf("creating connection %q: %w", c.Name, ErrExists)
		}
		return fmt.Errorf("creating connection %q: %w", c.Name, err)
	}
	return nil
}

// Connection reads a connection with its secret opened.
func (s *Store) Connection(ctx context.Context, name string) (*Connection, error) {
	row := s.db.QueryRowContext(ctx, `SELECT name, kind, config, secret, status, expires_at, version, created_at, updated_at FROM connections WHERE name = ?`, name)
	c, err := s.scanConnection(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("connection %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading connection %q: %w", name, err)
	}
	return c, nil
}

// Connections lists every connection, by name, secrets opened.
func (s *Store) Connections(ctx context.Context) ([]*Connection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, kind, config, secret, status, expires_at, version, created_at, updated_at FROM connections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing connections: %w", err)
	}
	defer rows.Close()
	var out []*Connection
	for rows.Next() {
		c, err := s.scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("listing connections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing connections: %w", err)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func (s *Store) scanConnection(row scanner) (*Connection, error) {
	var c Connection
	var config string
	var sealed []byte
	var exp, created, updated int64
	if err := row.Scan(&c.Name, &c.Kind, &config, &sealed, &c.Status, &exp, &c.Version, &created, &updated); err != nil {
		return nil, err
	}
	plain, err := s.seal.open(sealed, "connections", c.Name)
	if err != nil {
		return nil, fmt.Errorf("connection %q: %w", c.Name, err)
	}
	c.Config, c.Secret = []byte(config), plain
	c.ExpiresAt, c.Created, c.Updated = fromUnix(exp), time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return &c, nil
}

// UpdateConnectionSecret replaces a connection's secret, status and expiry
// (a new token, a refused refresh) and bumps its version.
func (s *Store) UpdateConnectionSecret(ctx context.Context, name string, secret []byte, status string, expiresAt time.Time) error {
	sealed, err := s.seal.seal(secret, "connections", name)
	if err != nil {
		return fmt.Errorf("updating connection %q: %w", name, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET secret = ?, status = ?, expires_at = ?, version = version + 1, updated_at = ? WHERE name = ?`,
		sealed, status, unix(expiresAt), s.now().Unix(), name)
	if err != nil {
		return fmt.Errorf("updating connection %q: %w", name, err)
	}
	return mustChange(res, "connection", name)
}

// SetConnectionStatus changes a connection's status only.
func (s *Store) SetConnectionStatus(ctx context.Context, name, status string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET status = ?, version = version + 1, updated_at = ? WHERE name = ?`, status, s.now().Unix(), name)
	if err != nil {
		return fmt.Errorf("updating connection %q: %w", name, err)
	}
	return mustChange(res, "connection", name)
}

// DeleteConnection removes a connection; a missing one is ErrNotFound.
func (s *Store) DeleteConnection(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM connections WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("deleting connection %q: %w", name, err)
	}
	return mustChange(res, "connection", name)
}

// Key kinds.
const (
	KindCA   = "ca"
	KindCert = "cert"
)

// Key is a stored certificate: a CA certificate to trust, or a client
// certificate with its private key.
type Key struct {
	// Name is the key's unique name.
	Name string
	// Kind is KindCA or KindCert.
	Kind string
	// CertPEM holds the certificate chain in PEM (not secret).
	CertPEM []byte
	// Secret is the private key in PEM (PKCS#8), empty for a CA. It is
	// sealed before it is written.
	Secret []byte
	// Created is when the key was added.
	Created time.Time
}

// CreateKey stores a new key. A taken name is ErrExists.
func (s *Store) CreateKey(ctx context.Context, k *Key) error {
	if strings.TrimSpace(k.Name) == "" {
		return errors.New("adding key: a name is required")
	}
	sealed, err := s.seal.seal(k.Secret, "keys", k.Name)
	if err != nil {
		return fmt.Errorf("adding key %q: %w", k.Name, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO keys (name, kind, cert_pem, secret, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.Name, k.Kind, k.CertPEM, sealed, s.now().Unix())
	if err != nil {
		if isConstraint(err) {
			return fmt.Errorf("adding key %q: %w", k.Name, ErrExists)
		}
		return fmt.Errorf("adding key %q: %w", k.Name, err)
	}
	return nil
}

// Key reads one key with its private key opened.
func (s *Store) Key(ctx context.Context, name string) (*Key, error) {
	row := s.db.QueryRowContext(ctx, `SELECT name, kind, cert_pem, secret, created_at FROM keys WHERE name = ?`, name)
	k, err := s.scanKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("key %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading key %q: %w", name, err)
	}
	return k, nil
}

// Keys lists keys by name; kind "" lists every kind.
func (s *Store) Keys(ctx context.Context, kind string) ([]*Key, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, kind, cert_pem, secret, created_at FROM keys WHERE ? = '' OR kind = ? ORDER BY name`, kind, kind)
	if err != nil {
		return nil, fmt.Errorf("listing keys: %w", err)
	}
	defer rows.Close()
	var out []*Key
	for rows.Next() {
		k, err := s.scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("listing keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing keys: %w", err)
	}
	return out, nil
}

func (s *Store) scanKey(row scanner) (*Key, error) {
	var k Key
	var sealed []byte
	var created int64
	if err := row.Scan(&k.Name, &k.Kind, &k.CertPEM, &sealed, &created); err != nil {
		return nil, err
	}
	plain, err := s.seal.open(sealed, "keys", k.Name)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", k.Name, err)
	}
	k.Secret, k.Created = plain, time.Unix(created, 0).UTC()
	return &k, nil
}

// DeleteKey removes a key; a missing one is ErrNotFound.
func (s *Store) DeleteKey(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM keys WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("deleting key %q: %w", name, err)
	}
	return mustChange(res, "key", name)
}

// Setting returns an instance setting; a missing one is ErrNotFound.
func (s *Store) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("reading setting %q: %w", name, err)
	}
	return v, nil
}

// SetSetting sets an instance setting; an empty value removes it.
func (s *Store) SetSetting(ctx context.Context, name, value string) error {
	var err error
	if value == "" {
		_, err = s.db.ExecContext(ctx, `DELETE FROM settings WHERE name = ?`, name)
	} else {
		_, err = s.db.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	}
	if err != nil {
		return fmt.Errorf("writing setting %q: %w", name, err)
	}
	return nil
}

func mustChange(res sql.Result, what, name string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, name, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", what, name, ErrNotFound)
	}
	return nil
}

func isConstraint(err error) bool {
	return err != nil && strings.Contains(err.Error(), "constraint failed")
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnix(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
