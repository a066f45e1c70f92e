package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// sealVersion is the first byte of every sealed value.
const sealVersion = 1

// sealer seals secrets with AES-256-GCM. A sealed value is
// version(1) || nonce(12) || ciphertext+tag, with the table and row name as
// additional data.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("creating cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("creating cipher: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(plain []byte, table, name string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealing secret: %w", err)
	}
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, plain, []byte(table+"\x00"+name)), nil
}

func (s *sealer) open(sealed []byte, table, name string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != sealVersion {
		return nil, errors.New("opening secret: not a sealed value")
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(table+"\x00"+name))
	if err != nil {
		return nil, errors.New("opening secret: wrong master key or tampered value")
	}
	return plain, nil
}

// masterKey returns the 32-byte master key: from the environment value
// when given, else from the key file in dir, created 0600 on first use.
// Errors never include the key.
func masterKey(dir, fromEnv string) ([]byte, error) {
	if fromEnv != "" {
		k, err := parseKey(fromEnv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvMasterKey, err)
		}
		return k, nil
	}
	path := filepath.Join(dir, KeyFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading key file: %w", err)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("key file %s is readable by others (mode %v); run chmod 600 on it", path, fi.Mode().Perm())
		}
	}
	k, err := parseKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a new key to a temporary file and links it into
// place, so another process never reads a half-written key file: whoever
// links first wins and the others read the winner's key.
func createKeyFile(path string) ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generating master key: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".master.key-*")
	if err != nil {
		return nil, fmt.Errorf("creating key file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		_ = f.Close()
		return nil, fmt.Errorf("creating key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("writing key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("writing key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing key file: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return masterKey(filepath.Dir(path), "")
		}
		return nil, fmt.Errorf("creating key file: %w", err)
	}
	return k, nil
}

// parseKey accepts 32 bytes written as 64 hex digits or as base64
// (standard or URL alphabet, padded or not).
func parseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 64 {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, errors.New("expected 32 bytes as 64 hex digits or base64 (generate one with: openssl rand -hex 32)")
}
