package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func open(t *testing.T, dir, key string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: dir, MasterKey: key})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConnectionsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, t.TempDir(), testKey)
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	in := &Connection{Name: "github", Kind: "basic", Config: []byte(`{"username":"ada"}`), Secret: []byte(`{"password":"hunter2"}`), ExpiresAt: exp}
	if err := s.CreateConnection(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateConnection(ctx, in); !errors.Is(err, ErrExists) || err.Error() != `creating connection "github": already exists` {
		t.Errorf("second create: %v", err)
	}
	got, err := s.Connection(ctx, "github")
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != "basic" || string(got.Config) != `{"username":"ada"}` || string(got.Secret) != `{"password":"hunter2"}` ||
		got.Status != StatusOK || !got.ExpiresAt.Equal(exp) || got.Version != 1 {
		t.Errorf("read back %+v", got)
	}
	if err := s.UpdateConnectionSecret(ctx, "github", []byte(`{"password":"new"}`), StatusNeedsAuthorization, time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Connection(ctx, "github")
	if string(got.Secret) != `{"password":"new"}` || got.Status != StatusNeedsAuthorization || !got.ExpiresAt.IsZero() || got.Version != 2 {
		t.Errorf("after update %+v", got)
	}
	list, err := s.Connections(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "github" {
		t.Errorf("list = %v, %v", list, err)
	}
	if err := s.DeleteConnection(ctx, "github"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"delete again": s.DeleteConnection(ctx, "github"),
		"update":       s.SetConnectionStatus(ctx, "github", StatusOK),
	} {
		if !errors.Is(err, ErrNotFound) || err.Error() != `connection "github": not found` {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := s.Connection(ctx, "github"); !errors.Is(err, ErrNotFound) {
		t.Errorf("read deleted: %v", err)
	}
}

func TestKeysAndSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, t.TempDir(), testKey)
	for _, k := range []*Key{
		{Name: "corp-ca", Kind: KindCA, CertPEM: []byte("CA PEM")},
		{Name: "client", Kind: KindCert, CertPEM: []byte("CERT PEM"), Secret: []byte("KEY PEM")},
	} {
		if err := s.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	k, err := s.Key(ctx, "client")
	if err != nil || string(k.CertPEM) != "CERT PEM" || string(k.Secret) != "KEY PEM" || k.Kind != KindCert {
		t.Errorf("Key = %+v, %v", k, err)
	}
	cas, err := s.Keys(ctx, KindCA)
	if err != nil || len(cas) != 1 || cas[0].Name != "corp-ca" || len(cas[0].Secret) != 0 {
		t.Errorf("Keys(ca) = %v, %v", cas, err)
	}
	all, _ := s.Keys(ctx, "")
	if len(all) != 2 || all[0].Name != "client" {
		t.Errorf("Keys() = %v", all)
	}
	if err := s.SetSetting(ctx, "mtls_cert", "client"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Setting(ctx, "mtls_cert"); v != "client" || err != nil {
		t.Errorf("Setting = %q, %v", v, err)
	}
	_ = s.SetSetting(ctx, "mtls_cert", "")
	if _, err := s.Setting(ctx, "mtls_cert"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed setting: %v", err)
	}
	if err := s.DeleteKey(ctx, "client"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteKey(ctx, "client"); err == nil || err.Error() != `key "client": not found` {
		t.Errorf("delete again: %v", err)
	}
}

// TestSecretsSealedAtRest reads the database files byte by byte: no secret
// may appear in them, while the non-secret settings do.
func TestSecretsSealedAtRest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, "")
	secrets := []string{"hunter2-password", "tok-abcdef-access", "-----BEGIN PRIVATE KEY----- secret"}
	if err := s.CreateConnection(ctx, &Connection{Name: "c", Kind: "basic", Config: []byte(`{"username":"visible-user"}`),
		Secret: []byte(`{"password":"` + secrets[0] + `","token":"` + secrets[1] + `"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateKey(ctx, &Key{Name: "k", Kind: KindCert, CertPEM: []byte("cert"), Secret: []byte(secrets[2])}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	var all []byte
	for _, f := range []string{DatabaseFile, DatabaseFile + "-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if !bytes.Contains(all, []byte("visible-user")) {
		t.Fatal("the test does not see the database content")
	}
	for _, sec := range secrets {
		if bytes.Contains(all, []byte(sec)) {
			t.Errorf("secret %q found in the database files", sec)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Join(dir, DatabaseFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	fresh := filepath.Join(dir, "new-home")
	if s, err := Open(ctx, Options{Dir: fresh, MasterKey: testKey}); err == nil {
		_ = s.Close()
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new folder mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	// Reopening with the key file reads the secret back.
	s2 := open(t, dir, "")
	c, err := s2.Connection(ctx, "c")
	if err != nil || !strings.Contains(string(c.Secret), secrets[0]) {
		t.Errorf("reopened: %v", err)
	}
}

func TestWrongMasterKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir, testKey)
	_ = s.Close()
	other := strings.Repeat("ff", 32)
	_, err := Open(context.Background(), Options{Dir: dir, MasterKey: other})
	want := "opening store " + filepath.Join(dir, DatabaseFile) + ": the master key does not open this store (was REQFLOW_MASTER_KEY or the key file changed?)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), other) {
		t.Error("the error shows the key")
	}
}

func TestMasterKeyFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want error
	}{
		{testKey, nil},
		{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", nil},
		{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", nil},
		{"correct horse battery staple", errors.New("REQFLOW_MASTER_KEY: expected 32 bytes as 64 hex digits or base64 (generate one with: openssl rand -hex 32)")},
		{"abcd", errors.New("REQFLOW_MASTER_KEY: expected 32 bytes as 64 hex digits or base64 (generate one with: openssl rand -hex 32)")},
	}
	for _, tt := range tests {
		k, err := masterKey(t.TempDir(), tt.in)
		if tt.want == nil {
			if err != nil || len(k) != 32 || k[1] != 1 || k[31] != 31 {
				t.Errorf("%q: %x, %v", tt.in, k, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want.Error() {
			t.Errorf("%q: err = %v", tt.in, err)
		}
	}
}

func TestKeyFileReadableByOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFile)
	if err := os.WriteFile(path, []byte(testKey), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := masterKey(dir, "")
	want := fmt.Sprintf("key file %s is readable by others (mode -rw-r--r--); run chmod 600 on it", path)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v", err)
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for range 2 {
		s := open(t, dir, testKey)
		v, err := s.SchemaVersion(context.Background())
		if err != nil || v != 50 {
			t.Errorf("schema version %d, %v", v, err)
		}
		_ = s.Close()
	}
}

// TestConcurrentStores opens one store folder several times (as separate
// processes would, each with its own connections) and writes from all of
// them at once.
func TestConcurrentStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	const n = 4
	stores := make([]*Store, n)
	var wg sync.WaitGroup
	errs := make(chan error, n*20)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, Options{Dir: dir})
			if err != nil {
				errs <- err
				return
			}
			stores[i] = s
			for j := range 10 {
				name := fmt.Sprintf("c%d-%d", i, j)
				if err := s.CreateConnection(ctx, &Connection{Name: name, Kind: "basic", Config: []byte("{}"), Secret: []byte(name)}); err != nil {
					errs <- err
				}
				if err := s.UpdateConnectionSecret(ctx, name, []byte(name+"!"), StatusOK, time.Time{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, s := range stores {
		if s != nil {
			defer s.Close()
		}
	}
	if stores[0] == nil {
		t.FailNow()
	}
	list, err := stores[0].Connections(ctx)
	if err != nil || len(list) != n*10 {
		t.Fatalf("%d connections, %v", len(list), err)
	}
	for _, c := range list {
		if string(c.Secret) != c.Name+"!" || c.Version != 2 {
			t.Errorf("%s: secret %q version %d", c.Name, c.Secret, c.Version)
		}
	}
}

func TestLockAcrossStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	a, b := open(t, dir, testKey), open(t, dir, testKey)
	unlock, err := a.Lock(ctx, "refresh:x", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	// Under load the deadline may pass while the lock is first tried
	// rather than while waiting; either way the holder is not displaced.
	if _, err := b.Lock(short, "refresh:x", time.Minute); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `lock "refresh:x": context deadline exceeded`) {
		t.Errorf("second holder: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		u, err := b.Lock(ctx, "refresh:x", time.Minute)
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	unlock()
	if err := <-got; err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestLockLapses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, err := Open(ctx, Options{Dir: t.TempDir(), MasterKey: testKey, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Lock(ctx, "l", time.Second); err != nil { // never released: a crashed holder
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	unlock, err := s.Lock(short, "l", time.Second)
	if err != nil {
		t.Fatalf("lapsed lock not taken over: %v", err)
	}
	unlock()
}
