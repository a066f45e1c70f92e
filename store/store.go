// Package store is reqflow's local store: a SQLite database (WAL mode,
// embedded versioned migrations) under $REQFLOW_HOME holding connections,
// CA and client certificates ("keys"), instance settings and the locks that
// keep one OAuth 2.0 refresh at a time per connection, across processes.
//
// Every secret (passwords, API keys, client secrets, tokens, private keys)
// is sealed with AES-256-GCM before it reaches the database, under a master
// key taken from REQFLOW_MASTER_KEY or from a key file created with mode
// 0600 on first use. The database alone reveals none of them. Sealed values
// are bound to their table and row name, so one row's secret cannot be
// pasted into another row.
//
// Several processes may use one store at once: SQLite serialises writers
// (with a busy timeout) and write transactions take the write lock up front.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Names of files inside the store's folder, and environment variables.
const (
	// DatabaseFile is the SQLite database inside the store folder.
	DatabaseFile = "reqflow.db"
	// KeyFile holds the master key when REQFLOW_MASTER_KEY is not set.
	KeyFile = "master.key"
	// EnvHome names the store folder.
	EnvHome = "REQFLOW_HOME"
	// EnvMasterKey holds the master key: 32 bytes as 64 hex digits or
	// base64.
	EnvMasterKey = "REQFLOW_MASTER_KEY"
	// DefaultBusyTimeout is how long a statement waits for another
	// process's write lock.
	DefaultBusyTimeout = 10 * time.Second
)

// ErrNotFound is returned when a named connection, key or setting does not
// exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when creating a connection or key whose name is
// taken.
var ErrExists = errors.New("already exists")

//go:embed migrations/*.sql
var migrations embed.FS

// Store is an open store. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	seal *sealer
	dir  string
	now  func() time.Time
}

// Options configure Open.
type Options struct {
	// Dir is the store folder; it is created 0700 when missing.
	Dir string
	// MasterKey is the master key as 64 hex digits or base64 of 32 bytes.
	// Empty means the key file in Dir, created on first use.
	MasterKey string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultDir returns the store folder for an environment: $REQFLOW_HOME,
// else $XDG_DATA_HOME/reqflow, else ~/.local/share/reqflow.
func DefaultDir(env map[string]string) (string, error) {
	if d := env[EnvHome]; d != "" {
		return d, nil
	}
	if d := env["XDG_DATA_HOME"]; d != "" {
		return filepath.Join(d, "reqflow"), nil
	}
	home := env["HOME"]
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the store folder: set %s: %w", EnvHome, err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "share", "reqflow"), nil
}

// Open opens (creating when needed) the store in opts.Dir and applies any
// pending migrations.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("opening store: no folder given")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	key, err := masterKey(opts.Dir, opts.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	seal, err := newSealer(key)
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	path := filepath.Join(opts.Dir, DatabaseFile)
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(int(DefaultBusyTimeout/time.Millisecond))+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	s := &Store{db: db, seal: seal, dir: opts.Dir, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	if err := s.checkKey(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	// The folder is 0700 already; keep the files private too.
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		_ = os.Chmod(f, 0o600)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Dir is the store folder.
func (s *Store) Dir() string { return s.dir }

// migrate applies the embedded migrations not yet recorded, in order, each
// in its own write transaction (so two processes never apply one twice).
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("creating migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("listing migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its version number", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("reading migration %s: %w", base, err)
		}
		if err := s.apply(ctx, v, string(body)); err != nil {
			return fmt.Errorf("applying migration %s: %w", base, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, version int, body string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, s.now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return int(v.Int64), nil
}

// keyCheckSetting holds a sealed known value, so that opening a store with
// the wrong master key fails at once instead of at the first secret.
const keyCheckSetting = "master_key_check"

func (s *Store) checkKey(ctx context.Context) error {
	const plain = "reqflow master key check"
	var sealed string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, keyCheckSetting).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		b, err := s.seal.seal([]byte(plain), "settings", keyCheckSetting)
		if err != nil {
			return err
		}
		_, err = s.db.ExecContext(ctx, `INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)`, keyCheckSetting, hex.EncodeToString(b))
		if err != nil {
			return fmt.Errorf("writing key check: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading key check: %w", err)
	}
	raw, err := hex.DecodeString(sealed)
	if err == nil {
		var got []byte
		got, err = s.seal.open(raw, "settings", keyCheckSetting)
		if err == nil && string(got) != plain {
			err = errors.New("unexpected value")
		}
	}
	if err != nil {
		return errors.New("the master key does not open this store (was REQFLOW_MASTER_KEY or the key file changed?)")
	}
	return nil
}

func newOwner() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}
