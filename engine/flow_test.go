package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
)

// collect is a test aggregator: it outputs {"array": items}.
type collect struct{}

func (collect) Run(context.Context, *Op) ([]bundle.Bundle, error) { return nil, nil }
func (collect) Aggregate(_ context.Context, _ *Op, items []map[string]any) ([]bundle.Bundle, error) {
	arr := make([]any, len(items))
	for i, it := range items {
		arr[i] = it
	}
	return []bundle.Bundle{{"array": arr}}, nil
}

func flowRegistry(t *testing.T, trace *[]string) *Registry {
	reg := testRegistry(t, trace)
	reg.MustRegister(&Spec{ID: "test:Collect", New: func(*blueprint.Module) (Module, error) { return collect{}, nil }})
	return reg
}

func runSrc(t *testing.T, reg *Registry, src string) *Execution {
	t.Helper()
	sc, err := loadSrc(t, reg, src, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestRouterRunsRoutesInOrderWithFilters(t *testing.T) {
	t.Parallel()
	var trace []string
	x := runSrc(t, flowRegistry(t, &trace), `{"flow": [
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "a,bb,ccc"}},
		{"id": 2, "module": "builtin:BasicRouter", "version": 1, "routes": [
			{"flow": [{"id": 3, "module": "test:Echo", "version": 1, "mapper": {"value": "short {{1.n}}"},
			           "filter": {"name": "short", "conditions": [[{"a": "{{length(1.n)}}", "o": "number:less", "b": "3"}]]}}]},
			{"flow": [{"id": 4, "module": "test:Echo", "version": 1, "mapper": {"value": "any {{1.n}}"}}]},
			{"flow": [{"id": 5, "module": "test:Echo", "version": 1, "mapper": {"value": "b or c {{1.n}}"},
			           "filter": {"name": "b or c", "conditions": [[{"a": "{{1.n}}", "o": "text:startwith", "b": "b"}], [{"a": "{{1.n}}", "o": "text:contain:ci", "b": "C"}]]}}]}
		]}
	]}`)
	want := "short a|any a|short bb|any bb|b or c bb|any ccc|b or c ccc"
	if got := strings.Join(trace, "|"); got != want || x.Status != StatusSuccess {
		t.Errorf("trace %q, status %s\nwant %q", got, x.Status, want)
	}
}

func TestFilterOperators(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, op, b string
		want     bool
	}{
		{"abc", "text:equal", "abc", true},
		{"ABC", "text:equal:ci", "abc", true},
		{"ABC", "text:equal", "abc", false},
		{"abc", "text:notequal", "abd", true},
		{"hello world", "text:contain", "o w", true},
		{"hello", "text:notcontain", "x", true},
		{"hello", "text:startwith", "he", true},
		{"hello", "text:notstartwith", "he", false},
		{"hello", "text:endwith", "lo", true},
		{"Hello", "text:endwith:ci", "LO", true},
		{"a1b2", "text:pattern", `^a\db\d$`, true},
		{"A1", "text:pattern:ci", `^a\d$`, true},
		{"a1", "text:notpattern", `^\d`, true},
		{"10", "number:greater", "9", true},
		{"10", "number:less", "9", false},
		{"2.5", "number:equal", "2.50", true},
		{"3", "number:lessorequal", "3", true},
		{"x", "number:equal", "1", false},
		{"x", "number:notequal", "1", true},
		{"2024-05-01T10:00:00Z", "date:greater", "2024-04-30", true},
		{"2024-05-01T10:00:00Z", "date:lessorequal", "2024-05-01T10:00:00.000Z", true},
		{"10:30", "time:greater", "09:15", true},
		{"true", "boolean:equal", "true", true},
		{"false", "boolean:notequal", "true", true},
		{"{{split(\"a,b\"; \",\")}}", "array:contain", "b", true},
		{"{{split(\"a,b\"; \",\")}}", "array:notcontain:ci", "B", false},
		{"{{split(\"a,b\"; \",\")}}", "array:greaterorequal", "2", true},
		{"x", "exist", "", true},
		{"", "exist", "", false},
		{"{{null}}", "notexist", "", true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %s %s", c.a, c.op, c.b), func(t *testing.T) {
			t.Parallel()
			var trace []string
			a, _ := json.Marshal(c.a)
			b, _ := json.Marshal(c.b)
			runSrc(t, flowRegistry(t, &trace), `{"flow": [
				{"id": 1, "module": "test:Echo", "version": 1, "mapper": {"value": "ran"},
				 "filter": {"name": "f", "conditions": [[{"a": `+string(a)+`, "o": "`+c.op+`", "b": `+string(b)+`}]]}}]}`)
			if got := len(trace) == 1; got != c.want {
				t.Errorf("passed = %v, want %v", got, c.want)
			}
		})
	}
	_, err := loadSrc(t, flowRegistry(t, new([]string)), `{"flow": [{"id": 1, "module": "test:Echo", "version": 1,
		"filter": {"name": "f", "conditions": [[{"a": "x", "o": "text:similar", "b": "y"}]]}}]}`, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), `module 1 (test:Echo): filter "f": condition 1.1: unknown operator "text:similar"`) {
		t.Errorf("error = %v", err)
	}
}

// errorFlow is a scenario whose module 2 fails for bundle "b" and whose
// error route ends with the given directive modules.
func errorFlow(route string) string {
	return `{"flow": [
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "a,b,c"}},
		{"id": 2, "module": "test:Echo", "version": 1, "mapper": {"value": "{{1.n}}", "fail": "{{if(1.n = \"b\"; \"RuntimeError\"; \"\")}}"},
		 "onerror": [` + route + `]},
		{"id": 3, "module": "test:Echo", "version": 1, "mapper": {"value": "after {{2.value}}"}}
	]}`
}

func TestErrorHandlers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, route, trace string
		status             Status
		handled            string
	}{
		{"ignore", `{"id": 9, "module": "builtin:Ignore", "version": 1}`, "a|after a|b|c|after c", StatusSuccess, "Ignore"},
		{"no directive", `{"id": 8, "module": "test:Echo", "version": 1, "mapper": {"value": "log {{2.error.type}}: {{2.error.message}}"}}`,
			"a|after a|b|log RuntimeError: failed on b|c|after c", StatusSuccess, "Ignore"},
		{"resume", `{"id": 9, "module": "builtin:Resume", "version": 1, "mapper": {"value": "substitute"}}`, "a|after a|b|after substitute|c|after c", StatusSuccess, "Resume"},
		{"commit", `{"id": 9, "module": "builtin:Commit", "version": 1}`, "a|after a|b", StatusSuccess, "Commit"},
		{"rollback", `{"id": 9, "module": "builtin:Rollback", "version": 1}`, "a|after a|b", StatusError, "Rollback"},
		{"break", `{"id": 9, "module": "builtin:Break", "version": 1, "mapper": {"retry": true, "count": "5", "interval": "1"}}`, "a|after a|b|c|after c", StatusWarning, "Break"},
		{"filtered directive", `{"id": 9, "module": "builtin:Rollback", "version": 1, "filter": {"name": "never", "conditions": [[{"a": "{{2.error.type}}", "o": "text:equal", "b": "DataError"}]]}}`,
			"a|after a|b|c|after c", StatusSuccess, "Ignore"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var trace []string
			x := runSrc(t, flowRegistry(t, &trace), errorFlow(c.route))
			if got := strings.Join(trace, "|"); got != c.trace || x.Status != c.status {
				t.Errorf("trace %q status %s, want %q %s", got, x.Status, c.trace, c.status)
			}
			op := x.Modules[1].Operations[1]
			if op.Err == nil || op.Err.Message != "failed on b" || op.HandledBy != c.handled {
				t.Errorf("failed operation = %+v", op)
			}
		})
	}
	var trace []string
	x := runSrc(t, flowRegistry(t, &trace), errorFlow(`{"id": 9, "module": "builtin:Break", "version": 1, "mapper": {"retry": true, "count": "5", "interval": "2"}}`))
	if len(x.Incomplete) != 1 || x.Incomplete[0].Count != 5 || x.Incomplete[0].Interval.Minutes() != 2 || !x.Incomplete[0].Retry {
		t.Errorf("incomplete = %+v", x.Incomplete)
	}
}

func TestAggregatorCollectsPerFeederOperation(t *testing.T) {
	t.Parallel()
	var trace []string
	// Module 2 fans out per item of module 1; module 3 aggregates per
	// operation of 2 (so once per bundle of 1); module 4 aggregates all of 1.
	x := runSrc(t, flowRegistry(t, &trace), `{"flow": [
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "x,y"}},
		{"id": 2, "module": "test:Emit", "version": 1, "mapper": {"items": "{{1.n}}1,{{1.n}}2"}},
		{"id": 3, "module": "test:Collect", "version": 1, "parameters": {"feeder": 2}, "mapper": {"v": "{{2.n}}"}},
		{"id": 5, "module": "test:Echo", "version": 1, "mapper": {"value": "{{join(map(3.array; \"v\"); \"+\")}} from {{1.n}}"}},
		{"id": 4, "module": "test:Collect", "version": 1, "parameters": {"feeder": "1"}, "mapper": {"v": "{{5.value}}"}},
		{"id": 6, "module": "test:Echo", "version": 1, "mapper": {"value": "{{length(4.array)}}"}}
	]}`)
	if got := strings.Join(trace, "|"); got != "x1+x2 from x|y1+y2 from y|2" || x.Status != StatusSuccess {
		t.Errorf("trace %q, status %s (%v)", got, x.Status, x.Err)
	}
	_, err := loadSrc(t, flowRegistry(t, &trace), `{"flow": [
		{"id": 3, "module": "test:Collect", "version": 1, "parameters": {"feeder": 7}},
		{"id": 7, "module": "test:Emit", "version": 1}]}`, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), `module 3 (test:Collect): parameters: field "feeder": module 7 does not run before this aggregator`) {
		t.Errorf("error = %v", err)
	}
}

func TestIfElseRunsTheFirstMatchingBranchAndMerges(t *testing.T) {
	t.Parallel()
	var trace []string
	x := runSrc(t, flowRegistry(t, &trace), `{"flow": [
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "order,return,misc"}},
		{"id": 2, "module": "builtin:BasicIfElse", "version": 1, "mapper": null, "branches": [
			{"label": "order", "type": "condition", "merge": true,
			 "conditions": [[{"a": "{{1.n}}", "o": "text:equal", "b": "order"}]],
			 "flow": [{"id": 3, "module": "test:Echo", "version": 1, "mapper": {"value": "invoice {{1.n}}"}}]},
			{"label": "any r", "type": "condition", "merge": false,
			 "conditions": [[{"a": "{{1.n}}", "o": "text:contain", "b": "r"}]],
			 "flow": [{"id": 4, "module": "test:Echo", "version": 1, "mapper": {"value": "refund {{1.n}}"}}]},
			{"label": "", "type": "else", "merge": true,
			 "flow": [{"id": 5, "module": "test:Echo", "version": 1, "mapper": {"value": "log {{1.n}}"}}]}
		]},
		{"id": 6, "module": "builtin:BasicMerge", "version": 1, "mapper": null,
		 "outputs": [{"name": "result", "mappings": ["{{3.value}}", "{{4.value}}", "{{5.value}}"]}]},
		{"id": 7, "module": "test:Echo", "version": 1, "mapper": {"value": "merged {{6.result}}"}}
	]}`)
	want := "invoice order|merged invoice order|refund return|log misc|merged log misc"
	if got := strings.Join(trace, "|"); got != want || x.Status != StatusSuccess {
		t.Errorf("trace %q status %s (%v)\nwant %q", got, x.Status, x.Err, want)
	}
}

func TestBreakRetryNowRetriesUntilTheOperationSucceeds(t *testing.T) {
	t.Parallel()
	var trace []string
	reg := flowRegistry(t, &trace)
	calls := 0
	reg.MustRegister(&Spec{ID: "test:Flaky", New: func(*blueprint.Module) (Module, error) {
		return ModuleFunc(func(_ context.Context, op *Op) ([]bundle.Bundle, error) {
			calls++
			if calls < 3 {
				return nil, &Error{Type: ConnectionError, Message: fmt.Sprintf("attempt %d refused", calls)}
			}
			return []bundle.Bundle{{"ok": calls}}, nil
		}), nil
	}})
	src := `{"flow": [
		{"id": 1, "module": "test:Flaky", "version": 1, "onerror": [{"id": 9, "module": "builtin:Break", "version": 1, "mapper": {"retry": true, "count": "{{var.input.count}}", "interval": "1"}}]},
		{"id": 2, "module": "test:Echo", "version": 1, "mapper": {"value": "got {{1.ok}}"}}
	]}`
	sc, err := loadSrc(t, reg, src, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), RunOptions{BreakRetryNow: true, BreakWaitCap: time.Millisecond, Inputs: map[string]any{"count": "5"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(trace, "|"); got != "got 3" || x.Status != StatusSuccess || len(x.Modules[0].Operations) != 3 {
		t.Errorf("trace %q status %s operations %d", got, x.Status, len(x.Modules[0].Operations))
	}
	if h := x.Modules[0].Operations[0].HandledBy; h != "Break (retried)" {
		t.Errorf("first operation handled by %q", h)
	}
	// Too few attempts: the operation is stored as incomplete.
	calls, trace = -10, nil
	x, err = sc.Run(context.Background(), RunOptions{BreakRetryNow: true, BreakWaitCap: time.Millisecond, Inputs: map[string]any{"count": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != StatusWarning || len(x.Incomplete) != 1 || x.Incomplete[0].Error.Message != "attempt -7 refused" || len(trace) != 0 {
		t.Errorf("status %s incomplete %+v trace %q", x.Status, x.Incomplete, trace)
	}
}

func TestResumeRunsTheStoredOperationAgain(t *testing.T) {
	t.Parallel()
	var trace []string
	reg := flowRegistry(t, &trace)
	down := true
	reg.MustRegister(&Spec{ID: "test:Down", New: func(*blueprint.Module) (Module, error) {
		return ModuleFunc(func(_ context.Context, op *Op) ([]bundle.Bundle, error) {
			if down && op.Fields().Text("v") == "b" {
				return nil, &Error{Type: ConnectionError, Message: "service down"}
			}
			return []bundle.Bundle{{"v": op.Fields().Text("v") + "!"}}, nil
		}), nil
	}})
	src := `{"flow": [
		{"id": 1, "module": "test:Emit", "version": 1, "mapper": {"items": "a,b"}},
		{"id": 2, "module": "test:Down", "version": 1, "mapper": {"v": "{{1.n}}"},
		 "onerror": [{"id": 9, "module": "builtin:Break", "version": 1, "mapper": {"retry": true, "count": "3", "interval": "15"}}]},
		{"id": 3, "module": "test:Echo", "version": 1, "mapper": {"value": "{{2.v}} {{var.input.tag}}"}}
	]}`
	sc, err := loadSrc(t, reg, src, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), RunOptions{Inputs: map[string]any{"tag": "T"}})
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != StatusWarning || len(x.Incomplete) != 1 || strings.Join(trace, "|") != "a! T" {
		t.Fatalf("status %s, incomplete %d, trace %q", x.Status, len(x.Incomplete), trace)
	}
	// The stored state survives the codec, as it does in the store.
	data, err := bundle.Encode(x.Incomplete[0].Bundles)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := bundle.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	inc := &Incomplete{ModuleID: x.Incomplete[0].ModuleID, Bundles: decoded.(map[string]any)}
	down, trace = false, nil
	y, err := sc.Resume(context.Background(), inc, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if y.Status != StatusSuccess || strings.Join(trace, "|") != "b! T" || len(y.Modules) != 2 || y.Modules[0].ID != 2 {
		t.Errorf("resumed: status %s, trace %q, modules %d", y.Status, trace, len(y.Modules))
	}
	if _, err := sc.Resume(context.Background(), &Incomplete{ModuleID: 77}, RunOptions{}); err == nil || err.Error() != "resuming: the scenario has no module 77" {
		t.Errorf("error = %v", err)
	}
}
