package blueprint

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// summary flattens a blueprint into lines that a test can compare exactly.
func summary(bp *Blueprint) []string {
	var out []string
	Walk(bp.Flow, func(m *Module) {
		out = append(out, strings.Join([]string{m.Path, m.Module, jsonText(m.ID), jsonText(m.Version), m.Label}, " | "))
	})
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDecodeJSONAndYAMLAgree(t *testing.T) {
	t.Parallel()
	want := []string{
		"flow[0] | placeholder:Placeholder | 0 | 0 | ",
		"flow[1] | http:ActionSendData | 2 | 3 | Call the API",
		"flow[1].onerror[0] | builtin:Ignore | 3 | 1 | ",
		"flow[2] | builtin:BasicRouter | 4 | 1 | ",
		"flow[2].routes[0].flow[0] | util:SetVariable2 | 5 | 1 | ",
	}
	for _, name := range []string{"minimal.json", "minimal.yaml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bp, err := Load(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if bp.Name != "Minimal export" {
				t.Errorf("name = %q", bp.Name)
			}
			if got := summary(bp); !reflect.DeepEqual(got, want) {
				t.Errorf("modules:\n got %q\nwant %q", got, want)
			}
			m := bp.Flow[1]
			if got := jsonText(m.Mapper); got != `{"bodyType":"","contentType":"application/json","method":"get","qs":[],"timeout":"","url":"https://example.test/{{1.id}}"}` {
				t.Errorf("mapper = %s", got)
			}
			if got := jsonText(m.Parameters); got != `{"handleErrors":"true","useNewZLibDeCompress":true}` {
				t.Errorf("parameters = %s", got)
			}
			if got := jsonText(m.Filter); got != `{"Name":"only ok","Conditions":[[{"A":"{{1.ok}}","O":"text:equal","B":"yes"}]]}` {
				t.Errorf("filter = %s", got)
			}
		})
	}
}

func TestDecodeAcceptsBOMAndWrappers(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"bom":      "\xef\xbb\xbf{\"name\":\"x\",\"flow\":[{\"id\":1,\"module\":\"http:ActionGetFile\",\"version\":3}]}",
		"api":      `{"blueprint":{"name":"x","flow":[{"id":1,"module":"http:ActionGetFile","version":3}]},"scheduling":{"type":"indefinitely"}}`,
		"subflows": `{"subflows":[{"flow":[{"id":1,"module":"http:ActionGetFile","version":"3"}]}]}`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bp, err := Decode([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(bp); !reflect.DeepEqual(got, []string{"flow[0] | http:ActionGetFile | 1 | 3 | "}) {
				t.Errorf("got %q", got)
			}
		})
	}
}

func TestDecodeErrorsNameTheField(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, src, want string }{
		{"empty", "  ", "blueprint: file is empty"},
		{"bad json", "{\"flow\": [\n  {\"id\": 1,}]}", "blueprint: invalid JSON: line 2, col 12: invalid character '}' looking for beginning of object key string"},
		{"trailing", `{"flow": []} {}`, "blueprint: invalid JSON: unexpected data after the blueprint"},
		{"not a scenario", `{"name": "x"}`, `blueprint: no "flow": this is not a scenario blueprint`},
		{"flow not list", `{"flow": {}}`, "blueprint: flow: expected a list of modules, got a collection"},
		{"no module", `{"flow": [{"id": 7}]}`, `blueprint: flow[0] (module 7): "module": missing module type (expected text like "http:ActionSendData")`},
		{"bad id", `{"flow": [{"id": "seven", "module": "x:Y"}]}`, `blueprint: flow[0]: "id": expected a whole number, got "seven"`},
		{"bad mapper", `{"flow": [{"id": 3, "module": "x:Y", "mapper": "url"}]}`, `blueprint: flow[0] (module 3): "mapper": expected a collection, got text "url"`},
		{"bad route", `{"flow": [{"id": 3, "module": "builtin:BasicRouter", "routes": [{"flow": [{"id": 4}]}]}]}`, `blueprint: flow[0].routes[0].flow[0] (module 4): "module": missing module type (expected text like "http:ActionSendData")`},
		{"bad filter", `{"flow": [{"id": 3, "module": "x:Y", "filter": {"conditions": [{"a": 1}]}}]}`, `blueprint: flow[0] (module 3).filter: "conditions"[0]: expected a list, got a collection`},
		{"yaml list", "- 1\n- 2\n", "blueprint: expected a collection at the top level, got a list"},
		{"bad yaml", "flow: [\n", "blueprint: invalid YAML: yaml: line 1: did not find expected node content"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode([]byte(c.src))
			if err == nil || err.Error() != c.want {
				t.Errorf("error = %v\n want %s", err, c.want)
			}
		})
	}
}

// TestRealExports loads every public export kept in ../shared (when present).
func TestRealExports(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../shared/fixtures/make-blueprints/*.json")
	if len(files) == 0 {
		t.Skip("../shared/fixtures is not present")
	}
	for _, f := range files {
		bp, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		n := 0
		Walk(bp.Flow, func(*Module) { n++ })
		if n == 0 {
			t.Errorf("%s: no modules", filepath.Base(f))
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"minimal.json", "minimal.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"flow":[{"id":1,"module":"a:b","routes":[{"flow":null}],"onerror":[]}]}`))
	f.Add([]byte("flow: &a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bp, err := Decode(data)
		if err == nil && bp == nil {
			t.Fatal("nil blueprint without error")
		}
	})
}
