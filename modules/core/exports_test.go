package core

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/engine"
)

// TestSpecsMatchExports reads the public Make exports (when present) and
// checks that every mapper and parameter key, and every field of the
// exports' metadata.expect and metadata.parameters snapshots, of a core
// module is declared in its spec.
func TestSpecsMatchExports(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../../shared/fixtures/make-blueprints/*.json")
	if len(files) == 0 {
		t.Skip("../shared/fixtures is not present")
	}
	reg, _ := setup(t)
	seen := map[string]int{}
	for _, f := range files {
		bp, err := blueprint.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		metadata := moduleMetadata(t, f)
		blueprint.Walk(bp.Flow, func(m *blueprint.Module) {
			spec, err := reg.Lookup(m.Module, m.Version)
			if err != nil {
				return
			}
			seen[m.Module]++
			where := filepath.Base(f) + ": " + m.Name()
			mapper, params := names(spec.Mapper), names(spec.Parameters)
			for k := range m.Mapper {
				if !mapper[k] && !mapper["(any)"] {
					t.Errorf("%s: mapper key %q is not in the spec", where, k)
				}
			}
			for k := range m.Parameters {
				if !params[k] {
					t.Errorf("%s: parameter %q is not in the spec", where, k)
				}
			}
			for _, snap := range []struct {
				key      string
				declared map[string]bool
			}{{"expect", mapper}, {"parameters", params}} {
				for _, name := range snapshotNames(metadata[m.ID], snap.key) {
					if !snap.declared[name] && !snap.declared["(any)"] {
						t.Errorf("%s: metadata.%s field %q is not in the spec", where, snap.key, name)
					}
				}
			}
		})
	}
	t.Logf("core modules seen: %v", seen)
	for _, s := range reg.Specs() {
		if seen[s.ID] == 0 && s.ID != "util:GetVariables" {
			t.Errorf("%s: used by no public export (expected every core module but util:GetVariables to be)", s.ID)
		}
	}
}

func names(fields []engine.Field) map[string]bool {
	out := map[string]bool{}
	for _, f := range fields {
		out[f.Name] = true
	}
	return out
}

// snapshotNames lists the field names of metadata[key], a list of
// {name, type, label…} as Make's editor saves it.
func snapshotNames(metadata map[string]any, key string) []string {
	raw, _ := json.Marshal(metadata[key])
	var fields []struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(raw, &fields)
	var out []string
	for _, f := range fields {
		if f.Name != "" && !strings.HasPrefix(f.Name, "__") {
			out = append(out, f.Name)
		}
	}
	return out
}

// moduleMetadata reads the metadata block of every module of an export,
// by module id (the decoded blueprint does not keep it).
func moduleMetadata(t *testing.T, path string) map[int]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Flow []json.RawMessage `json:"flow"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(string(raw), "\ufeff")), &doc); err != nil {
		t.Fatal(err)
	}
	out := map[int]map[string]any{}
	var walk func(items []json.RawMessage)
	walk = func(items []json.RawMessage) {
		for _, it := range items {
			var m struct {
				ID       any                                `json:"id"`
				Metadata map[string]any                     `json:"metadata"`
				Routes   []struct{ Flow []json.RawMessage } `json:"routes"`
				OnError  []json.RawMessage                  `json:"onerror"`
			}
			if json.Unmarshal(it, &m) != nil {
				continue
			}
			if id, ok := m.ID.(float64); ok {
				out[int(id)] = m.Metadata
			}
			for _, r := range m.Routes {
				walk(r.Flow)
			}
			walk(m.OnError)
		}
	}
	walk(doc.Flow)
	return out
}
