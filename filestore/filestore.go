// Package filestore keeps the file values of one execution.
//
// A file value (a *bundle.File) is written once through a Writer and then
// only read. While it is small its bytes stay in memory; once it grows past
// the store's threshold (DefaultThreshold, 256 KiB) the bytes written so far
// and everything after them go to a file in the store's folder, created
// lazily under the execution's temporary folder. The SHA-256 and size are
// computed while writing, so printing a file value never reads it again.
//
// A Writer that fails is aborted: its partial file is removed, so a download
// that breaks off leaves nothing behind. Remove deletes the whole folder when
// the execution ends (the engine calls it unless the user keeps the files);
// SaveAll copies every file the store produced into a folder of the user's
// choice (reqflow run --save-files).
package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/reqflow/reqflow/bundle"
)

// DefaultThreshold is the size above which a file value moves from memory
// to disk.
const DefaultThreshold int64 = 256 << 10

// Store holds the file values of one execution. It is safe for concurrent
// use.
type Store struct {
	parent    string
	threshold int64

	mu      sync.Mutex
	dir     string // created on first need
	files   []*bundle.File
	removed bool
}

// Option configures a Store.
type Option func(*Store)

// WithThreshold sets the size above which a file value goes to disk; 0
// sends every file value to disk.
func WithThreshold(n int64) Option { return func(s *Store) { s.threshold = n } }

// New returns a store whose files live in a folder created, when first
// needed, inside parent ("" means the system's temporary folder).
func New(parent string, opts ...Option) *Store {
	if parent == "" {
		parent = os.TempDir()
	}
	s := &Store{parent: parent, threshold: DefaultThreshold}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Dir returns the store's folder, or "" when no file has gone to disk yet.
func (s *Store) Dir() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir
}

// Files returns the file values completed so far, in order.
func (s *Store) Files() []*bundle.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*bundle.File(nil), s.files...)
}

// folder returns the store's folder, creating it on first use.
func (s *Store) folder() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.removed {
		return "", errors.New("file store already removed")
	}
	if s.dir == "" {
		dir, err := os.MkdirTemp(s.parent, "reqflow-files-")
		if err != nil {
			return "", fmt.Errorf("creating file store folder: %w", err)
		}
		s.dir = dir
	}
	return s.dir, nil
}

// Create starts a new file value named name. Write its bytes, then Commit
// it, or Abort it to discard everything written.
func (s *Store) Create(name, contentType string) *Writer {
	return &Writer{s: s, name: name, contentType: contentType, h: sha256.New()}
}

// Remove deletes the store's folder and every file in it. File values on
// disk cannot be read afterwards.
func (s *Store) Remove() error {
	s.mu.Lock()
	dir := s.dir
	s.removed = true
	s.mu.Unlock()
	if dir == "" {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing file store folder: %w", err)
	}
	return nil
}

// SaveAll writes every completed file value into dir (created if needed)
// under its own name, stripped of any path; a name used before gets a
// " (2)", " (3)" … suffix before its extension. Files on disk are moved when
// the store is on the same file system, copied otherwise. It returns the
// paths written, in order.
func (s *Store) SaveAll(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating folder for saved files: %w", err)
	}
	used := map[string]bool{}
	var out []string
	for _, f := range s.Files() {
		name := uniqueName(safeName(f.Name), used, dir)
		dst := filepath.Join(dir, name)
		if err := saveOne(f, dst); err != nil {
			return out, err
		}
		out = append(out, dst)
	}
	return out, nil
}

func saveOne(f *bundle.File, dst string) error {
	if f.Path != "" {
		if err := os.Link(f.Path, dst); err == nil {
			return nil
		}
	}
	src, err := f.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("saving file %q: %w", f.Name, err)
	}
	if _, err := io.Copy(out, src); err != nil {
		_ = out.Close()
		_ = os.Remove(dst)
		return fmt.Errorf("saving file %q: %w", f.Name, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("saving file %q: %w", f.Name, err)
	}
	return nil
}

// safeName reduces a file value's name to a plain file name.
func safeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// uniqueName returns name, or name with a " (n)" suffix, not yet used in
// this save nor present in dir.
func uniqueName(name string, used map[string]bool, dir string) string {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	candidate := name
	for n := 2; ; n++ {
		if !used[candidate] {
			if _, err := os.Lstat(filepath.Join(dir, candidate)); errors.Is(err, os.ErrNotExist) {
				used[candidate] = true
				return candidate
			}
		}
		candidate = stem + " (" + strconv.Itoa(n) + ")" + ext
	}
}

// Writer writes one file value. It is not safe for concurrent use.
type Writer struct {
	s           *Store
	name        string
	contentType string
	h           hash.Hash
	size        int64
	mem         []byte
	file        *os.File
	done        bool
}

// Write appends p to the file value, moving it to disk once it outgrows
// the store's threshold.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("write to a finished file value")
	}
	if w.file == nil && w.size+int64(len(p)) > w.s.threshold {
		if err := w.spill(); err != nil {
			return 0, err
		}
	}
	var n int
	if w.file != nil {
		var err error
		n, err = w.file.Write(p)
		if err != nil {
			w.h.Write(p[:n])
			w.size += int64(n)
			return n, fmt.Errorf("writing file value %q: %w", w.name, err)
		}
	} else {
		w.mem = append(w.mem, p...)
		n = len(p)
	}
	w.h.Write(p[:n])
	w.size += int64(n)
	return n, nil
}

// ReadFrom copies r into the file value; io.Copy uses it.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 64<<10)
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// spill moves the bytes held in memory to a new file in the store's folder.
func (w *Writer) spill() error {
	dir, err := w.s.folder()
	if err != nil {
		return fmt.Errorf("storing file value %q: %w", w.name, err)
	}
	f, err := os.CreateTemp(dir, "file-*")
	if err != nil {
		return fmt.Errorf("storing file value %q: %w", w.name, err)
	}
	if _, err := f.Write(w.mem); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return fmt.Errorf("storing file value %q: %w", w.name, err)
	}
	w.file, w.mem = f, nil
	return nil
}

// Commit completes the file value and adds it to the store.
func (w *Writer) Commit() (*bundle.File, error) {
	if w.done {
		return nil, errors.New("commit of a finished file value")
	}
	w.done = true
	f := &bundle.File{
		Name:        w.name,
		ContentType: w.contentType,
		Size:        w.size,
		SHA256:      hex.EncodeToString(w.h.Sum(nil)),
	}
	if w.file != nil {
		path := w.file.Name()
		if err := w.file.Close(); err != nil {
			_ = os.Remove(path)
			return nil, fmt.Errorf("storing file value %q: %w", w.name, err)
		}
		f.Path = path
	} else {
		f.Data = w.mem
		if f.Data == nil {
			f.Data = []byte{}
		}
	}
	w.s.mu.Lock()
	w.s.files = append(w.s.files, f)
	w.s.mu.Unlock()
	return f, nil
}

// Abort discards the file value: nothing of it stays in memory or on disk.
// Abort after Commit does nothing.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.mem = nil
	if w.file != nil {
		path := w.file.Name()
		_ = w.file.Close()
		_ = os.Remove(path)
	}
}

// Size returns the number of bytes written so far.
func (w *Writer) Size() int64 { return w.size }
