package iml

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSharedBlueprintsCompile compiles every mapper and filter string of the
// real Make exports in the shared fixtures (when present): formulas people
// actually write must parse.
func TestSharedBlueprintsCompile(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../shared/fixtures/make-blueprints/*.json")
	if len(files) == 0 {
		t.Skip("shared blueprints absent")
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var walk func(v any, inMeta bool)
		walk = func(v any, inMeta bool) {
			switch x := v.(type) {
			case string:
				if inMeta || !strings.Contains(x, "{{") {
					return
				}
				total++
				tpl, err := Compile(x)
				if err != nil {
					t.Errorf("%s: %q: %v", filepath.Base(f), x, err)
					return
				}
				// With nothing mapped yet every reference is null: the
				// formulas must still evaluate.
				if _, err := tpl.Eval(&Env{}); err != nil {
					t.Errorf("%s: %q: Eval with an empty scope: %v", filepath.Base(f), x, err)
				}
			case []any:
				for _, e := range x {
					walk(e, inMeta)
				}
			case map[string]any:
				for k, e := range x {
					walk(e, inMeta || k == "metadata")
				}
			}
		}
		walk(v, false)
	}
	t.Logf("%d formulas in %d blueprints compile", total, len(files))
}
