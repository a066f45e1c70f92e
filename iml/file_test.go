package iml

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/bundle"
)

func TestFileValuesAreBuffers(t *testing.T) {
	t.Parallel()
	content := "Hello, file!\n"
	path := filepath.Join(t.TempDir(), "stored")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	files := map[string]*bundle.File{
		"memory": {Name: "a.txt", Size: int64(len(content)), Data: []byte(content)},
		"disk":   {Name: "a.txt", Size: int64(len(content)), Path: path},
	}
	tests := []struct{ src, want string }{
		{"{{length(1.data)}}", "13"},
		{"{{toString(1.data)}}", content},
		{"{{1.data}}", content},
		{"{{base64(1.data)}}", "SGVsbG8sIGZpbGUhCg=="},
		{"{{sha256(1.data)}}", "a49616b56b028d78e6d9ef855ad7a1404181df2d65bb3773cf868f247f361a7d"},
		{"{{md5(1.data)}}", "80b005d9bbe64f9ac6081243c18900ea"},
		{"{{sha256(1.data; \"hex\"; \"key\")}}", "edddaf89a13d2d4378ec2919afad72af67150b2f4c7e4b71a0fcf12c3a5cd196"},
	}
	for where, f := range files {
		env := &Env{Scope: MapScope{"1": map[string]any{"data": f}}}
		for _, tt := range tests {
			got, err := MustCompile(tt.src).Eval(env)
			if err != nil {
				t.Errorf("%s: %s: %v", where, tt.src, err)
				continue
			}
			if ToText(got) != tt.want {
				t.Errorf("%s: %s = %q, want %q", where, tt.src, ToText(got), tt.want)
			}
		}
	}
	// A file that has gone from disk cannot be hashed.
	gone := &bundle.File{Name: "gone.bin", Size: 3, Path: filepath.Join(t.TempDir(), "missing")}
	_, err := MustCompile("{{sha256(1.data)}}").Eval(&Env{Scope: MapScope{"1": map[string]any{"data": gone}}})
	if err == nil || !strings.Contains(err.Error(), `opening file value "gone.bin"`) {
		t.Errorf("hashing a missing file: %v", err)
	}
}
