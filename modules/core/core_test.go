package core

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

// sleeps records the waits of util:FunctionSleep without waiting.
type sleeps struct {
	mu  sync.Mutex
	got []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.got = append(s.got, d)
	s.mu.Unlock()
	return ctx.Err()
}

// setup returns a registry with the core modules; Sleep records its waits.
func setup(t *testing.T) (*engine.Registry, *sleeps) {
	t.Helper()
	s := &sleeps{}
	reg := engine.NewRegistry()
	if err := Register(reg, WithSleep(s.sleep)); err != nil {
		t.Fatal(err)
	}
	return reg, s
}

// trigger is the bundle the stubbed webhook (module 1) of every test
// blueprint outputs.
var trigger = []bundle.Bundle{{
	"event": "complete",
	"items": []any{map[string]any{"n": "a", "qty": json.Number("2")}, map[string]any{"n": "b", "qty": json.Number("5")}},
	"tags":  []any{"x", "y", "z"},
	"html":  "<h1>Title</h1><p>Hello <b>world</b>, see <a href=\"https://example.com/a\">this</a>.</p><ul><li>one</li><li>two</li></ul>",
	"page":  "id=7 id=42 name=Ada",
}}

// runBlueprint loads src with module 1 stubbed by trigger and runs it.
func runBlueprint(t *testing.T, reg *engine.Registry, src []byte) *engine.Execution {
	t.Helper()
	bp, err := blueprint.Decode(src)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{Stubs: map[int][]bundle.Bundle{1: trigger}})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// outputs is every output bundle of module id, over all its operations, as
// JSON with sorted keys.
func outputs(t *testing.T, x *engine.Execution, id int) string {
	t.Helper()
	all := []any{}
	for _, m := range x.Modules {
		if m.ID != id {
			continue
		}
		for _, op := range m.Operations {
			for _, b := range op.Outputs {
				all = append(all, bundle.ToJSON(b))
			}
		}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(all); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// opError is the error of the first failed operation of module id.
func opError(x *engine.Execution, id int) string {
	for _, m := range x.Modules {
		if m.ID != id {
			continue
		}
		for _, op := range m.Operations {
			if op.Err != nil {
				return string(op.Err.Type) + ": " + op.Err.Message
			}
		}
	}
	return ""
}

// single is a blueprint of the stubbed webhook followed by one module.
func single(module string, params, mapper map[string]any) []byte {
	src, _ := json.Marshal(map[string]any{"name": "single", "flow": []any{
		map[string]any{"id": 1, "module": "gateway:CustomWebHook", "version": 1},
		map[string]any{"id": 2, "module": module, "version": 1, "parameters": params, "mapper": mapper},
	}})
	return src
}

type m = map[string]any

func TestModules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		module         string
		params, mapper m
		want, wantErr  string
	}{
		// builtin:BasicFeeder
		{"feeder collections", "builtin:BasicFeeder", nil, m{"array": "{{1.items}}"},
			`[{"__IMTINDEX__":1,"__IMTLENGTH__":2,"n":"a","qty":2},{"__IMTINDEX__":2,"__IMTLENGTH__":2,"n":"b","qty":5}]`, ""},
		{"feeder primitives", "builtin:BasicFeeder", nil, m{"array": "{{1.tags}}"},
			`[{"__IMTINDEX__":1,"__IMTLENGTH__":3,"value":"x"},{"__IMTINDEX__":2,"__IMTLENGTH__":3,"value":"y"},{"__IMTINDEX__":3,"__IMTLENGTH__":3,"value":"z"}]`, ""},
		{"feeder empty", "builtin:BasicFeeder", nil, m{"array": "{{emptyarray}}"}, `[]`, ""},
		{"feeder unset", "builtin:BasicFeeder", nil, m{"array": ""}, `[]`, ""},
		{"feeder one collection", "builtin:BasicFeeder", nil, m{"array": "{{1.items[2]}}"},
			`[{"__IMTINDEX__":1,"__IMTLENGTH__":1,"n":"b","qty":5}]`, ""},
		{"feeder text", "builtin:BasicFeeder", nil, m{"array": "{{1.event}}"}, `[]`,
			`DataError: field "array": expected an array, got text "complete"`},
		// builtin:BasicRepeater
		{"repeater", "builtin:BasicRepeater", nil, m{"start": "1", "repeats": "3", "step": "2"}, `[{"i":1},{"i":3},{"i":5}]`, ""},
		{"repeater fractional", "builtin:BasicRepeater", nil, m{"start": "0.5", "repeats": "{{2}}", "step": "-1"}, `[{"i":0.5},{"i":-0.5}]`, ""},
		{"repeater zero", "builtin:BasicRepeater", nil, m{"start": "1", "repeats": "0", "step": "1"}, `[]`, ""},
		{"repeater bad", "builtin:BasicRepeater", nil, m{"start": "{{1.event}}", "repeats": "2"}, `[]`,
			`DataError: field "start": expected a number, got "complete"`},
		{"repeater too many", "builtin:BasicRepeater", nil, m{"repeats": "{{10001}}"}, `[]`,
			`DataError: field "repeats": must be between 0 and 10000, got 10001`},
		// util:Switcher
		{"switch case", "util:Switcher", nil, m{"input": "{{1.event}}", "useRegExpMatch": false,
			"casesTable": []any{m{"pattern": "started", "output": "wait"}, m{"pattern": "complete", "output": "continue"}}, "elseOutput": "stop"},
			`[{"output":"continue"}]`, ""},
		{"switch else", "util:Switcher", nil, m{"input": "Complete", "casesTable": []any{m{"pattern": "complete", "output": "continue"}}, "elseOutput": "stop"},
			`[{"output":"stop"}]`, ""},
		{"switch no else", "util:Switcher", nil, m{"input": "x", "casesTable": []any{m{"pattern": "y", "output": "1"}}}, `[{"output":null}]`, ""},
		{"switch regexp", "util:Switcher", nil, m{"input": "Order #42", "useRegExpMatch": true,
			"casesTable": []any{m{"pattern": `^invoice`, "output": "inv"}, m{"pattern": `/ORDER #\d+/i`, "output": "ord"}}}, `[{"output":"ord"}]`, ""},
		{"switch bad regexp", "util:Switcher", nil, m{"input": "x", "useRegExpMatch": "true", "casesTable": []any{m{"pattern": `(?<=a)x`}}}, `[]`,
			`DataError: field "casesTable[1].pattern": regular expression "(?<=a)x": look-behind (?<=…) and (?<!…) are not supported (Go's RE2 engine)`},
		// json:ParseJSON
		{"parse object", "json:ParseJSON", m{"type": ""}, m{"json": `{"id": 9007199254740993, "tags": ["a"], "o": {"k": null}}`},
			`[{"id":9007199254740993,"o":{"k":null},"tags":["a"]}]`, ""},
		{"parse array", "json:ParseJSON", m{"type": 150366}, m{"json": `[{"a": 1}, 2, "three"]`},
			`[{"a":1},{"value":2},{"value":"three"}]`, ""},
		{"parse scalar", "json:ParseJSON", nil, m{"json": ` true `}, `[{"value":true}]`, ""},
		{"parse mapped collection", "json:ParseJSON", nil, m{"json": `{"entry":{{1.items[1]}}}`}, `[{"entry":{"n":"a","qty":2}}]`, ""},
		{"parse invalid", "json:ParseJSON", nil, m{"json": `{"a": }`}, `[]`,
			`DataError: field "json": invalid JSON at offset 7: invalid character '}' looking for beginning of value`},
		{"parse truncated", "json:ParseJSON", nil, m{"json": `{"a": [1, 2`}, `[]`,
			`DataError: field "json": invalid JSON: the text ends before the value does (11 bytes)`},
		{"parse trailing", "json:ParseJSON", nil, m{"json": `{} {}`}, `[]`,
			`DataError: field "json": invalid JSON: unexpected text after the value at offset 3`},
		{"parse empty", "json:ParseJSON", nil, m{"json": ""}, `[]`, `DataError: field "json": required: the JSON string is empty`},
		// json:CreateJSON
		{"create", "json:CreateJSON", m{"type": 375, "space": ""}, m{"url": "{{1.tags}}", "name": "<Ada & Bob>", "n": "{{1.items[1].qty}}"},
			`[{"json":"{\"n\":2,\"name\":\"<Ada & Bob>\",\"url\":[\"x\",\"y\",\"z\"]}"}]`, ""},
		{"create indented", "json:CreateJSON", m{"space": "2"}, m{"a": "1"}, `[{"json":"{\n  \"a\": \"1\"\n}"}]`, ""},
		// json:TransformToJSON
		{"transform array", "json:TransformToJSON", m{"space": ""}, m{"object": "{{1.items}}"},
			`[{"json":"[{\"n\":\"a\",\"qty\":2},{\"n\":\"b\",\"qty\":5}]"}]`, ""},
		{"transform text tab", "json:TransformToJSON", m{"space": "tab"}, m{"object": "{{1.tags}}"}, `[{"json":"[\n\t\"x\",\n\t\"y\",\n\t\"z\"\n]"}]`, ""},
		{"transform text", "json:TransformToJSON", m{"space": "4"}, m{"object": "say \"hi\""}, `[{"json":"\"say \\\"hi\\\"\""}]`, ""},
		{"transform null", "json:TransformToJSON", nil, m{}, `[{"json":"null"}]`, ""},
		// regexp:Replace
		{"replace first", "regexp:Replace", nil, m{"text": "a-b-c", "pattern": "-", "value": "+"}, `[{"text":"a+b-c"}]`, ""},
		{"replace global groups", "regexp:Replace", nil, m{"text": "{{1.page}}", "pattern": `id=(\d+)`, "value": "[$1]", "global": true},
			`[{"text":"[7] [42] name=Ada"}]`, ""},
		{"replace insensitive", "regexp:Replace", nil, m{"text": "Foo foo", "pattern": "FOO", "value": "x", "global": true, "sensitive": false}, `[{"text":"x x"}]`, ""},
		{"replace sensitive", "regexp:Replace", nil, m{"text": "Foo foo", "pattern": "FOO", "value": "x", "global": true, "sensitive": true}, `[{"text":"Foo foo"}]`, ""},
		{"replace multiline", "regexp:Replace", nil, m{"text": "a\nb", "pattern": "^", "value": "> ", "global": true, "multiline": true}, `[{"text":"> a\n> b"}]`, ""},
		{"replace singleline", "regexp:Replace", nil, m{"text": "<p>\nx</p>", "pattern": "<p>.*</p>", "value": "", "singleline": true}, `[{"text":""}]`, ""},
		{"replace emptystring", "regexp:Replace", nil, m{"text": "a b\tc", "pattern": `(\s)`, "value": "{{emptystring}}", "global": true}, `[{"text":"abc"}]`, ""},
		{"replace no pattern", "regexp:Replace", nil, m{"text": "a", "pattern": "{{1.missing}}"}, `[]`, `DataError: field "pattern": required: the pattern is empty`},
		// regexp:Parser
		{"parser global", "regexp:Parser", m{"pattern": `id=(?<id>\d+)`, "global": true, "sensitive": true, "continueWhenNoRes": false}, m{"text": "{{1.page}}"},
			`[{"$1":"7","__IMTMATCH__":"id=7","i":1,"id":"7"},{"$1":"42","__IMTMATCH__":"id=42","i":2,"id":"42"}]`, ""},
		{"parser first", "regexp:Parser", m{"pattern": `(\w+)=(\w+)(x)?`, "global": false}, m{"text": "{{1.page}}"}, `[{"$1":"id","$2":"7"}]`, ""},
		{"parser no match stops", "regexp:Parser", m{"pattern": `nope`, "continueWhenNoRes": false}, m{"text": "{{1.page}}"}, `[]`, ""},
		{"parser no match continues", "regexp:Parser", m{"pattern": `nope`, "continueWhenNoRes": true}, m{"text": "{{1.page}}"}, `[{}]`, ""},
		{"parser flags", "regexp:Parser", m{"pattern": `^NAME=(.)`, "global": true, "sensitive": false, "multiline": true}, m{"text": "x\nname=Ada"},
			`[{"$1":"A","__IMTMATCH__":"name=A","i":1}]`, ""},
		// regexp:HTMLToText
		{"html to text", "regexp:HTMLToText", nil, m{"html": "{{1.html}}", "newline": "lf", "uppercaseHeadings": true},
			`[{"text":"TITLE\n\nHello world, see this [https://example.com/a].\n\n* one\n* two"}]`, ""},
		{"html crlf", "regexp:HTMLToText", nil, m{"html": "<h2>Keep</h2>line<br>next&amp;last<script>x()</script>", "newline": "crlf", "uppercaseHeadings": false},
			`[{"text":"Keep\r\n\r\nline\r\nnext&last"}]`, ""},
		// regexp:HTMLParser
		{"html links", "regexp:HTMLParser", m{"continueWhenNoRes": false}, m{"html": "{{1.html}}<a href='/b' rel=nofollow>B &amp; <i>C</i></a>", "elementType": "a"},
			`[{"attrs":{"href":"https://example.com/a"},"element":"<a href=\"https://example.com/a\">this</a>","innerContent":"this"},` +
				`{"attrs":{"href":"/b","rel":"nofollow"},"element":"<a href=\"/b\" rel=\"nofollow\">B &amp; <i>C</i></a>","innerContent":"B &amp; <i>C</i>"}]`, ""},
		{"html images none", "regexp:HTMLParser", m{"continueWhenNoRes": false}, m{"html": "{{1.html}}", "elementType": "img"}, `[]`, ""},
		{"html images none continue", "regexp:HTMLParser", m{"continueWhenNoRes": true}, m{"html": "{{1.html}}", "elementType": "img"}, `[{}]`, ""},
		{"html iframe", "regexp:HTMLParser", nil, m{"html": `<iframe src="https://v.example/1" allowfullscreen></iframe>`, "elementType": "{{\"iframe\"}}"},
			`[{"attrs":{"allowfullscreen":"","src":"https://v.example/1"},"element":"<iframe src=\"https://v.example/1\" allowfullscreen=\"\"></iframe>","innerContent":""}]`, ""},
		{"html bad type", "regexp:HTMLParser", nil, m{"html": "x", "elementType": "{{\"div\"}}"}, `[]`, `DataError: field "elementType": expected one of img, a, iframe, got "div"`},
		// util:FunctionSleep
		{"sleep", "util:FunctionSleep", nil, m{"duration": "3"}, `[{}]`, ""},
		{"sleep mapped out of range", "util:FunctionSleep", nil, m{"duration": "{{301}}"}, `[]`, `DataError: field "duration": must be between 1 and 300, got 301`},
		// variables
		{"set variable", "util:SetVariable2", nil, m{"name": "speakers", "scope": "execution", "value": "{{1.tags}}"}, `[{"speakers":["x","y","z"]}]`, ""},
		{"set variable no name", "util:SetVariable2", nil, m{"name": "{{1.none}}", "value": "1"}, `[]`, `DataError: field "name": required: the variable name is empty`},
		{"set variables", "util:SetVariables", nil, m{"scope": "roundtrip", "variables": []any{m{"name": "chain", "value": "ethereum"}, m{"name": "fromToken(ETH Wrapped)", "value": "{{1.items[2].qty}}"}}},
			`[{"chain":"ethereum","fromToken(ETH Wrapped)":5}]`, ""},
		{"get unset variable", "util:GetVariable2", nil, m{"name": "never"}, `[{"never":null}]`, ""},
		{"get unset variables", "util:GetVariables", nil, m{"variables": []any{m{"name": "a"}, m{"name": "b"}}}, `[{"a":null,"b":null}]`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			reg, _ := setup(t)
			x := runBlueprint(t, reg, single(c.module, c.params, c.mapper))
			if got := outputs(t, x, 2); got != c.want {
				t.Errorf("outputs\n got %s\nwant %s", got, c.want)
			}
			if got := opError(x, 2); got != c.wantErr {
				t.Errorf("error\n got %s\nwant %s", got, c.wantErr)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		module         string
		params, mapper m
		want           string
	}{
		{"sleep range", "util:FunctionSleep", nil, m{"duration": "0"}, `mapper: field "duration": must be between 1 and 300, got 0`},
		{"repeats range", "builtin:BasicRepeater", nil, m{"repeats": "10001"}, `mapper: field "repeats": must be between 0 and 10000, got 10001`},
		{"scope", "util:SetVariable2", nil, m{"name": "a", "scope": "forever"}, `mapper: field "scope": expected one of roundtrip, execution, got "forever"`},
		{"parser pattern", "regexp:Parser", m{"pattern": `(a`}, nil, "parameters: field \"pattern\": regular expression \"(a\": missing closing ): `(a`"},
		{"parser no pattern", "regexp:Parser", m{"global": true}, nil, `parameters: field "pattern": required: the pattern is empty`},
		{"replace pattern", "regexp:Replace", nil, m{"pattern": `a\1`}, `mapper: field "pattern": regular expression "a\\1": back-references (\1) are not supported (Go's RE2 engine)`},
		{"space", "json:TransformToJSON", m{"space": "3"}, nil, `parameters: field "space": expected "", "tab", "2" or "4", got "3"`},
		{"row separator", "util:TextAggregator", m{"feeder": 1, "rowSeparator": ";"}, nil, `parameters: field "rowSeparator": expected "\n", "\t", "other" or "", got ";"`},
		{"function", "util:FunctionAggregator2", m{"feeder": 1, "fn": "median"}, nil, `parameters: field "fn": expected one of avg, sum, count, max, min, got "median"`},
		{"no function", "util:FunctionAggregator2", m{"feeder": 1}, nil, `parameters: field "fn": required: one of [avg sum count max min]`},
		{"element type", "regexp:HTMLParser", nil, m{"elementType": "div"}, `mapper: field "elementType": expected one of img, a, iframe, got "div"`},
		{"newline", "regexp:HTMLToText", nil, m{"newline": "lfcr"}, `mapper: field "newline": expected one of lf, crlf, cr, got "lfcr"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			reg, _ := setup(t)
			bp, err := blueprint.Decode(single(c.module, c.params, c.mapper))
			if err != nil {
				t.Fatal(err)
			}
			_, err = engine.Load(reg, bp, engine.LoadOptions{Stubs: map[int][]bundle.Bundle{1: trigger}})
			want := "the scenario cannot run:\n  module 2 (" + c.module + "): " + c.want
			if err == nil || err.Error() != want {
				t.Errorf("error\n got %v\nwant %s", err, want)
			}
		})
	}
}

func TestSleepHonoursCancellation(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- DefaultSleep(ctx, time.Hour) }()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("DefaultSleep = %v, want context.Canceled", err)
	}
	if err := DefaultSleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("DefaultSleep = %v", err)
	}
	reg, s := setup(t)
	x := runBlueprint(t, reg, single("util:FunctionSleep", nil, m{"duration": "{{1.items[2].qty}}"}))
	if len(s.got) != 1 || s.got[0] != 5*time.Second || x.Status != engine.StatusSuccess {
		t.Errorf("slept %v, status %s", s.got, x.Status)
	}
}

func TestRegisterTwice(t *testing.T) {
	t.Parallel()
	reg, _ := setup(t)
	err := Register(reg)
	if err == nil || !strings.Contains(err.Error(), "registering core modules: registering module builtin:BasicFeeder: already registered") {
		t.Errorf("error = %v", err)
	}
}
