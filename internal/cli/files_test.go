package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reqflow/reqflow/internal/testserver"
)

func TestRunSaveFiles(t *testing.T) {
	t.Parallel()
	srv := testserver.NewTest(t)
	dir := filepath.Join(t.TempDir(), "downloads")
	r := reqflow(t, "", "run", "../../examples/download-upload.json", "--input", "httpbin="+srv.URL, "--json", "--save-files", dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc["status"] != "success" {
		t.Fatalf("stdout: %v\n%s", err, r.stdout)
	}
	want := filepath.Join(dir, "quarterly-report-été.csv")
	if r.stderr != "saved "+want+"\n" {
		t.Errorf("stderr = %q, want %q", r.stderr, "saved "+want+"\n")
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if len(b) != 300000 || hex.EncodeToString(sum[:]) != "3c65ea93424a9c362fec0e3a69ea36031e8a358441479dd665cc6110eabe7b08" {
		t.Errorf("saved %d bytes, sha256 %x", len(b), sum)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%s holds %d entries, want 1", dir, len(entries))
	}
}

func TestProgressOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if p := downloadProgress(&streams{stdout: &out, stderr: &errb}, false); p != nil {
		t.Error("progress reported to a buffer, not a terminal")
	}
	if p := downloadProgress(&streams{stdout: os.Stdout, stderr: os.Stderr}, true); p != nil {
		t.Error("progress reported under --json")
	}
}

func TestProgressBar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		delay time.Duration
		want  []string
	}{
		{"long download draws a bar", 0, []string{"big.bin", "100%", "1.0 MB"}},
		{"short download draws nothing", time.Hour, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			w, done := newProgress(&out, tt.delay)("big.bin", 1_000_000)
			for i := 0; i < 10; i++ {
				if n, err := w.Write(make([]byte, 100_000)); n != 100_000 || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			done()
			got := out.String()
			if tt.want == nil && got != "" {
				t.Fatalf("output %q, want none", got)
			}
			for _, s := range tt.want {
				if !strings.Contains(got, s) {
					t.Errorf("output %q lacks %q", got, s)
				}
			}
		})
	}
}
