package filestore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/reqflow/reqflow/bundle"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestWriterKeepsSmallFilesInMemoryAndLargeOnDisk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		size      int
		threshold int64
		onDisk    bool
	}{
		{"empty", 0, 10, false},
		{"at the threshold", 10, 10, false},
		{"one byte over", 11, 10, true},
		{"threshold zero", 1, 0, true},
		{"large", 300 << 10, DefaultThreshold, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := New(t.TempDir(), WithThreshold(tt.threshold))
			data := bytes.Repeat([]byte("0123456789abcdef"), tt.size/16+1)[:tt.size]
			w := s.Create("a.bin", "application/octet-stream")
			// Write in uneven pieces so the spill happens mid-write.
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 7)
				if _, err := w.Write(rest[:n]); err != nil {
					t.Fatalf("Write: %v", err)
				}
				rest = rest[n:]
			}
			f, err := w.Commit()
			if err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if f.Size != int64(tt.size) || f.SHA256 != sum(data) || f.Name != "a.bin" || f.ContentType != "application/octet-stream" {
				t.Fatalf("file = %+v, want size %d sha %s", f, tt.size, sum(data))
			}
			if got := f.Path != ""; got != tt.onDisk {
				t.Fatalf("on disk = %v, want %v", got, tt.onDisk)
			}
			got, err := f.Bytes()
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("Bytes = %d bytes, %v; want %d bytes", len(got), err, len(data))
			}
			if !slices.Equal(s.Files(), []*bundle.File{f}) {
				t.Fatalf("Files() = %v", s.Files())
			}
			if err := s.Remove(); err != nil {
				t.Fatalf("Remove: %v", err)
			}
			if tt.onDisk {
				if _, err := os.Stat(f.Path); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("after Remove, stat %s: %v", f.Path, err)
				}
			}
		})
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	s := New(parent, WithThreshold(4))
	w := s.Create("partial.bin", "")
	if _, err := w.Write([]byte("more than four bytes")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	w.Abort()
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	if len(entries) != 0 || len(s.Files()) != 0 {
		t.Fatalf("after Abort: %d entries on disk, %d files", len(entries), len(s.Files()))
	}
	if _, err := w.Write([]byte("x")); err == nil || err.Error() != "write to a finished file value" {
		t.Fatalf("Write after Abort: %v", err)
	}
}

func TestReadFromCopies(t *testing.T) {
	t.Parallel()
	s := New(t.TempDir(), WithThreshold(100))
	data := bytes.Repeat([]byte{1, 2, 3}, 1000)
	w := s.Create("r", "")
	n, err := io.Copy(w, bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Copy = %d, %v", n, err)
	}
	f, err := w.Commit()
	if err != nil || f.SHA256 != sum(data) || f.Path == "" {
		t.Fatalf("Commit = %+v, %v", f, err)
	}
}

func TestSaveAll(t *testing.T) {
	t.Parallel()
	s := New(t.TempDir(), WithThreshold(5))
	contents := map[string]string{}
	for _, in := range []struct{ name, data string }{
		{"report.pdf", "small"},
		{"report.pdf", "larger than five"},
		{"../../etc/passwd", "x"},
		{"", "y"},
	} {
		w := s.Create(in.name, "")
		if _, err := w.Write([]byte(in.data)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "out")
	paths, err := s.SaveAll(dir)
	if err != nil {
		t.Fatalf("SaveAll: %v", err)
	}
	want := []string{"report.pdf", "report (2).pdf", "passwd", "file"}
	wantData := []string{"small", "larger than five", "x", "y"}
	for i, p := range paths {
		if filepath.Base(p) != want[i] || filepath.Dir(p) != dir {
			t.Errorf("path %d = %s, want %s", i, p, filepath.Join(dir, want[i]))
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != wantData[i] {
			t.Errorf("%s = %q, %v; want %q", p, got, err, wantData[i])
		}
		contents[p] = string(got)
	}
	if len(paths) != 4 {
		t.Fatalf("paths = %q", paths)
	}
	// Removing the store keeps the saved files.
	if err := s.Remove(); err != nil {
		t.Fatal(err)
	}
	for p, data := range contents {
		if got, err := os.ReadFile(p); err != nil || string(got) != data {
			t.Errorf("after Remove %s = %q, %v", p, got, err)
		}
	}
}
