package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
)

// testRegistry has two modules: test:Emit outputs one bundle per item of its
// "items" field (a text list split on commas); test:Echo outputs its input,
// or fails with the error type given in "fail".
func testRegistry(t *testing.T, trace *[]string) *Registry {
	t.Helper()
	reg := NewRegistry()
	reg.MustRegister(&Spec{
		ID: "test:Emit", Versions: []int{1},
		New: func(m *blueprint.Module) (Module, error) {
			return ModuleFunc(func(_ context.Context, op *Op) ([]bundle.Bundle, error) {
				var out []bundle.Bundle
				for _, s := range strings.Split(op.Fields().Text("items"), ",") {
					out = append(out, bundle.Bundle{"n": s})
				}
				return out, nil
			}), nil
		},
	}, &Spec{
		ID: "test:Echo", Versions: []int{1},
		New: func(m *blueprint.Module) (Module, error) {
			if _, ok := m.Parameters["bad"]; ok {
				return nil, errors.New(`parameters: field "bad": not allowed`)
			}
			return ModuleFunc(func(_ context.Context, op *Op) ([]bundle.Bundle, error) {
				*trace = append(*trace, op.Fields().Text("value"))
				if f := op.Fields().Text("fail"); f != "" {
					return nil, &Error{Type: ErrorType(f), Message: "failed on " + op.Fields().Text("value"), StatusCode: 500}
				}
				return []bundle.Bundle{op.Input}, nil
			}), nil
		},
	})
	return reg
}

func loadSrc(t *testing.T, reg *Registry, src string, opts LoadOptions) (*Scenario, error) {
	t.Helper()
	bp, err := blueprint.Decode([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return Load(reg, bp, opts)
}

func reportJSON(t *testing.T, x *Execution) string {
	t.Helper()
	r := x.Report()
	r.Duration, r.ID = 0, ""
	for i := range r.Modules {
		for j := range r.Modules[i].Operations {
			r.Modules[i].Operations[j].Duration = 0
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunIsDepthFirstPerBundle(t *testing.T) {
	t.Parallel()
	var trace []string
	reg := testRegistry(t, &trace)
	sc, err := loadSrc(t, reg, `{"name": "fan out", "flow": [
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "a,b"}},
		{"id": 2, "module": "test:Echo", "version": 1, "mapper": {"value": "{{1.n}}-{{var.input.suffix}}"}},
		{"id": 3, "module": "test:Echo", "version": 1, "mapper": {"value": "{{2.value}}!"}}
	]}`, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), RunOptions{Inputs: map[string]any{"suffix": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(trace, " "), "a-x a-x! b-x b-x!"; got != want {
		t.Errorf("operations ran in order %q, want %q", got, want)
	}
	want := `{"scenario":"fan out","status":"success","error":null,"modules":[` +
		`{"id":1,"module":"test:Emit","operations":[{"input":{"items":"a,b"},"outputs":[{"n":"a"},{"n":"b"}],"error":null,"durationMs":0}]},` +
		`{"id":2,"module":"test:Echo","operations":[{"input":{"value":"a-x"},"outputs":[{"value":"a-x"}],"error":null,"durationMs":0},{"input":{"value":"b-x"},"outputs":[{"value":"b-x"}],"error":null,"durationMs":0}]},` +
		`{"id":3,"module":"test:Echo","operations":[{"input":{"value":"a-x!"},"outputs":[{"value":"a-x!"}],"error":null,"durationMs":0},{"input":{"value":"b-x!"},"outputs":[{"value":"b-x!"}],"error":null,"durationMs":0}]}` +
		`],"durationMs":0,"executionId":""}`
	if got := reportJSON(t, x); got != want {
		t.Errorf("report:\n got %s\nwant %s", got, want)
	}
}

func TestUnhandledErrorStopsTheExecution(t *testing.T) {
	t.Parallel()
	var trace []string
	reg := testRegistry(t, &trace)
	sc, err := loadSrc(t, reg, `{"name": "fails", "flow": [
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "a,b"}},
		{"id": 2, "module": "test:Echo", "version": 1, "mapper": {"value": "{{1.n}}", "fail": "RuntimeError"}},
		{"id": 3, "module": "test:Echo", "version": 1, "mapper": {"value": "never"}}
	]}`, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != StatusError || strings.Join(trace, " ") != "a" {
		t.Fatalf("status %s, trace %q", x.Status, trace)
	}
	r := x.Report()
	if got, _ := json.Marshal(r.Error); string(got) != `{"module":2,"type":"RuntimeError","message":"failed on a","statusCode":500}` {
		t.Errorf("error = %s", got)
	}
	if len(r.Modules) != 2 || r.Modules[1].Operations[0].Error == nil {
		t.Errorf("modules = %+v", r.Modules)
	}
}

func TestLoadNamesEveryModuleThatCannotRun(t *testing.T) {
	t.Parallel()
	var trace []string
	reg := testRegistry(t, &trace)
	_, err := loadSrc(t, reg, `{"flow": [
		{"id": null, "module": "placeholder:Placeholder"},
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "{{upper(}}"}},
		{"id": 2, "module": "telegram:SendReplyMessage", "version": 1},
		{"id": 3, "module": "test:Echo", "version": 2},
		{"id": 4, "module": "test:Echo", "version": 1, "parameters": {"bad": true}},
		{"id": 4, "module": "test:Echo", "version": 1},
		{"id": 5, "module": "builtin:BasicRouter", "version": 1, "routez": [{"flow": []}]}
	]}`, LoadOptions{})
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("error = %v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if lines[0] != "the scenario cannot run:" || len(lines) != 7 {
		t.Fatalf("error:\n%s", err)
	}
	wantPrefix := []string{
		`  module 1 (test:Emit): field "items": `,
		"  module 2 (telegram:SendReplyMessage): module type telegram:SendReplyMessage is not supported; stub it with --stub 2=FILE.json",
		"  module 3 (test:Echo): module type test:Echo version 2 is not supported (supported: [1]); stub it with --stub 3=FILE.json",
		`  module 4 (test:Echo): parameters: field "bad": not allowed`,
		"  module 4 (test:Echo): the id is also used by the module at flow[4]",
		`  module 5 (builtin:BasicRouter): a router needs its routes ("routes": [{"flow": [...]}]); none were found`,
	}
	for i, w := range wantPrefix {
		if !strings.HasPrefix(lines[i+1], w) {
			t.Errorf("line %d = %q\n want prefix %q", i+1, lines[i+1], w)
		}
	}
}

func TestStubGivesAFixedOutput(t *testing.T) {
	t.Parallel()
	var trace []string
	reg := testRegistry(t, &trace)
	sc, err := loadSrc(t, reg, `{"flow": [
		{"id": 7, "module": "airtable:ActionSearchRecords", "version": 3, "mapper": {"table": "{{var.input.table}}"}},
		{"id": 8, "module": "test:Echo", "version": 1, "mapper": {"value": "{{7.fields.Name}}"}}
	]}`, LoadOptions{Stubs: map[int][]bundle.Bundle{7: {{"fields": map[string]any{"Name": "Ada"}}, {"fields": map[string]any{"Name": "Bob"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), RunOptions{Inputs: map[string]any{"table": "Contacts"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(trace, " "); got != "Ada Bob" || !x.Modules[0].Stubbed {
		t.Errorf("trace %q, stubbed %v", got, x.Modules[0].Stubbed)
	}
	if in := x.Modules[0].Operations[0].Input; fmt.Sprint(in) != "map[table:Contacts]" {
		t.Errorf("stub input = %v", in)
	}
}

func TestReportRedactsSecrets(t *testing.T) {
	t.Parallel()
	var trace []string
	reg := testRegistry(t, &trace)
	sc, err := loadSrc(t, reg, `{"flow": [
		{"id": 1, "module": "test:Echo", "version": 1, "mapper": {"value": "v", "authPass": "{{var.input.pw}}",
		 "headers": [{"name": "authorization", "value": "Bearer {{var.input.pw}}"}, {"name": "X-Trace", "value": "1"}]}}
	]}`, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), RunOptions{Inputs: map[string]any{"pw": "hunter2"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(x.Report().Modules[0].Operations[0].Input)
	if got := string(b); got != `{"authPass":"[redacted]","headers":[{"name":"authorization","value":"[redacted]"},{"name":"X-Trace","value":"1"}],"value":"v"}` {
		t.Errorf("input = %s", got)
	}
}

func TestLoadWarnsAboutMappingsOfMissingModules(t *testing.T) {
	t.Parallel()
	var trace []string
	sc, err := loadSrc(t, testRegistry(t, &trace), `{"flow": [
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "a"}},
		{"id": 2, "module": "test:Echo", "version": 1, "mapper": {"value": "{{1.n}} {{7.name}} {{var.input.x}} {{7.other}}"},
		 "filter": {"name": "f", "conditions": [[{"a": "{{8.ok}}", "o": "exist"}]]}}
	]}`, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"module 2 (test:Echo): a formula maps module 7, which the blueprint does not have (it reads as empty)",
		"module 2 (test:Echo): a formula maps module 8, which the blueprint does not have (it reads as empty)",
	}
	if fmt.Sprint(sc.Warnings) != fmt.Sprint(want) {
		t.Errorf("warnings = %q", sc.Warnings)
	}
}
