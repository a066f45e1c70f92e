package iml

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reqflow/reqflow/bundle"
)

// fixedNow is the clock of every test environment.
var fixedNow = time.Date(2019, 10, 7, 12, 0, 0, 0, time.UTC)

// setup returns an environment whose scope holds a few module bundles:
// 1 (a customer record with items), 3 (an index), 11/12/16 (JWT parts) and
// var.input.
func setup(t testing.TB) *Env {
	t.Helper()
	return &Env{
		Now:         fixedNow,
		ExecutionID: "exec-1",
		Scope: MapScope{
			"1": map[string]any{
				"Customer Name": "Ada Lovelace",
				"email":         "ada@example.com",
				"count":         json.Number("3"),
				"big":           json.Number("12345678901234567890"),
				"flag":          true,
				"empty":         "",
				"0":             "zero key",
				"data": map[string]any{
					"items": []any{
						map[string]any{"name": "first", "qty": 1.0},
						map[string]any{"name": "second", "qty": 2.0},
						map[string]any{"name": "third", "qty": 3.0},
					},
					"tags": []any{"a", "b", "c"},
				},
				"when": time.Date(2020, 1, 2, 3, 4, 5, 6000000, time.UTC),
				"buf":  []byte("hi"),
			},
			"3":              map[string]any{"i": 2.0, "key": "email"},
			"airtableBaseId": "app123",
			"settings":       map[string]any{"retries": 3.0},
			"var":            map[string]any{"input": map[string]any{"NAME": "world", "n": "42"}},
		},
	}
}

// asJSON renders a value as the command line would print it.
func asJSON(t testing.TB, v any) string {
	t.Helper()
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bundle.ToJSON(v)); err != nil {
		t.Fatalf("marshal %#v: %v", v, err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestEvalReferencesAndLiterals(t *testing.T) {
	t.Parallel()
	env := setup(t)
	tests := []struct {
		src  string
		want string // JSON of the result
	}{
		{`{{1.email}}`, `"ada@example.com"`},
		{`{{1.count}}`, `3`},
		{`{{1.big}}`, `12345678901234567890`},
		{`{{1.flag}}`, `true`},
		{`{{1.when}}`, `"2020-01-02T03:04:05.006Z"`},
		{`{{1.buf}}`, `{"$binary":{"size":2,"sha256":"8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"}}`},
		{"{{1.`Customer Name`}}", `"Ada Lovelace"`},
		{"{{1.`0`}}", `"zero key"`},
		{"{{`3`}}", `{"i":2,"key":"email"}`},
		{`{{1.data.items[2].name}}`, `"second"`},
		{`{{1.data.items[].name}}`, `"first"`},
		{`{{1.data.items[0].name}}`, `null`},
		{`{{1.data.items[9].name}}`, `null`},
		{`{{1.data.items[3.i].qty}}`, `2`},
		{`{{1.data.tags}}`, `["a","b","c"]`},
		{`{{1.data.tags[3]}}`, `"c"`},
		{`{{1.data.tags["2"]}}`, `"b"`},
		{`{{1.data.tags[1.5]}}`, `null`},
		{`{{1.data.tags[-1]}}`, `null`},
		{`{{1.data.items[1]["name"]}}`, `"first"`},
		{`{{1.data.tags[3.i + 1]}}`, `"c"`},
		{`{{1.email[]}}`, `"ada@example.com"`},
		{`{{1.email[2]}}`, `null`},
		{`{{1.data[1]}}`, `null`},
		{`{{split("a,b"; ",")[2]}}`, `"b"`},
		{`{{first(1.data.items).name}}`, `"first"`},
		{`{{1.data.items.name}}`, `["first","second","third"]`},
		{"{{get(`1`; 3.key)}}", `"ada@example.com"`},
		{`{{1.missing}}`, `null`},
		{`{{1.missing.deeper[2]}}`, `null`},
		{`{{99.x}}`, `null`},
		{`{{var.input.NAME}}`, `"world"`},
		{`Hello {{var.input.NAME}}!`, `"Hello world!"`},
		{`{{1.email}} / {{1.missing}} / {{1.count}}`, `"ada@example.com /  / 3"`},
		{`n={{1.data.tags}}`, `"n=a, b, c"`},
		{`at {{1.when}}`, `"at 2020-01-02T03:04:05.006Z"`},
		{`{{"say ""hi"""}}`, `"say \"hi\""`},
		{`{{""""}}`, `"\""`},
		{`{{"a}}b"}}`, `"a}}b"`},
		{`{{42}}`, `42`},
		{`{{3.25}}`, `3.25`},
		{`{{-3}}`, `-3`},
		{`{{true}}`, `true`},
		{`{{false}}`, `false`},
		{`{{null}}`, `null`},
		{`{{emptystring}}`, `""`},
		{`{{emptyarray}}`, `[]`},
		{`{{space}}|{{tab}}|{{newline}}|{{nbsp}}|{{carriagereturn}}`, "\" |\\t|\\n|\u00a0|\\r\""},
		{`{{pi}}`, `3.141592653589793`},
		{`{{now}}`, `"2019-10-07T12:00:00.000Z"`},
		{`{{timestamp}}`, `1570449600`},
		{`{{executionId}}`, `"exec-1"`},
		{`{{ignore}}`, `null`},
		{`{{erase}}`, `""`},
		{`no formulas`, `"no formulas"`},
		{``, `""`},
		{`{ {{1.count}} }`, `"{ 3 }"`},
		{`a }} b`, `"a }} b"`},
		{`{{{1.count}}}`, `"{3}"`},
		{`{"n":{{{1.count}}:1}}`, `"{\"n\":{3:1}}"`},
		{"{{1.data\n.tags[ 2 ]}}", `"b"`},
		{`{{airtableBaseId}}`, `"app123"`},
		{`{{settings.retries + 1}}`, `4`},
		{`{{unknownRoot}}`, `null`},
		{`{{emptyString}}|{{NULL}}|{{True}}`, `"||true"`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			tpl, err := Compile(tt.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := tpl.Eval(env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if g := asJSON(t, got); g != tt.want {
				t.Errorf("got %s, want %s", g, tt.want)
			}
		})
	}
}

func TestEvalOperators(t *testing.T) {
	t.Parallel()
	env := setup(t)
	tests := []struct {
		src  string
		want string
	}{
		{`{{1 + 2 * 3}}`, `7`},
		{`{{(1 + 2) * 3}}`, `9`},
		{`{{10 / 4}}`, `2.5`},
		{`{{7 % 3}}`, `1`},
		{`{{7 mod 3}}`, `1`},
		{`{{10 - 2 - 3}}`, `5`},
		{`{{-(2 + 3)}}`, `-5`},
		{`{{"Total: " + 5}}`, `"Total: 5"`},
		{`{{"a" + newline + "b"}}`, `"a\nb"`},
		{`{{1.count + 1}}`, `4`},
		{`{{var.input.n + 1}}`, `"421"`},
		{`{{var.input.n * 2}}`, `84`},
		{`{{"-" + 3}}`, `"-3"`},
		{`{{0.1 + 0.2}}`, `0.30000000000000004`},
		{`{{1 = 1}}`, `true`},
		{`{{1 = "1"}}`, `true`},
		{`{{"a" = "a"}}`, `true`},
		{`{{"a" != "b"}}`, `true`},
		{`{{null = emptystring}}`, `false`},
		{`{{1.missing = null}}`, `true`},
		{`{{2 < 10}}`, `true`},
		{`{{"2" < "10"}}`, `false`},
		{`{{"2" < 10}}`, `true`},
		{`{{3 >= 3}}`, `true`},
		{`{{3 <= 2}}`, `false`},
		{`{{3 > 2}}`, `true`},
		{`{{1 = 2 or 2 = 2}}`, `true`},
		{`{{1 = 1 and 1 = 2}}`, `false`},
		{`{{1 = 1 & 2 = 2}}`, `true`},
		{`{{1 = 2 | 1 = 2}}`, `false`},
		{`{{not true}}`, `false`},
		{`{{not(1 = 2)}}`, `true`},
		{`{{1 + 1 = 2 and "x" != "y"}}`, `true`},
		{`{{1.when < now}}`, `false`},
		{`{{1 / 0}}`, `null`},
		{`{{1 / 0}} text`, `"Infinity text"`},
		{`{{1e21}} {{0.0000001}} {{123456789012}}`, `"1e+21 1e-7 123456789012"`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, err := MustCompile(tt.src).Eval(env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if g := asJSON(t, got); g != tt.want {
				t.Errorf("got %s, want %s", g, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want string
	}{
		{`{{sha265("x")}}`, `line 1, col 3: unknown function "sha265"`},
		{`{{get(sha265("x"))}}`, `line 1, col 7: unknown function "sha265"`},
		{`{{get(1.x; 2}}`, `line 1, col 6: missing ")"`},
		{`{{1.x`, `line 1, col 1: missing "}}"`},
		{`ab {{`, `line 1, col 4: missing "}}"`},
		{`{{1 + (2`, `line 1, col 1: missing "}}"`},
		{`{{}}`, `line 1, col 3: empty expression`},
		{`{{"abc}}`, `line 1, col 3: missing closing '"'`},
		{"{{1.`abc}}", "line 1, col 5: missing closing \"`\""},
		{`{{1 +}}`, `line 1, col 6: missing value`},
		{`{{1 2}}`, `line 1, col 5: unexpected "2", expected an operator or "}}"`},
		{`{{(1 + 2}}`, `line 1, col 3: missing ")"`},
		{`{{1)}}`, `line 1, col 4: unexpected ")"`},
		{`{{foo bar}}`, `line 1, col 7: unexpected "bar", expected an operator or "}}"`},
		{"line1\n  {{1.x ! 2}}", `line 2, col 9: unexpected "!"`},
		{`{{1.data[2}}`, `line 1, col 9: missing "]"`},
		{`{{get("x")}}`, `line 1, col 3: get: expected 2 arguments, got 1`},
		{`{{lower()}}`, `line 1, col 3: lower: expected 1 argument, got 0`},
		{`{{lower(1; 2)}}`, `line 1, col 3: lower: expected 1 argument, got 2`},
		{`{{if(true; x y`, `line 1, col 1: missing "}}"`},
		{`{{if(true; x y}}`, `line 1, col 5: missing ")"`},
		{`{{if(true; ,}}`, `line 1, col 5: missing ")"`},
		{`{{if(1; 2; 3; 4)}}`, `line 1, col 3: if: expected 2 to 3 arguments, got 4`},
		{`{{1.}}`, `line 1, col 5: expected a name after "."`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.src)
			if err == nil {
				t.Fatalf("Compile(%q): no error, want %q", tt.src, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", err.Error(), tt.want)
			}
		})
	}
}

func TestBareWordArguments(t *testing.T) {
	t.Parallel()
	env := setup(t)
	tests := []struct {
		src  string
		want string
	}{
		{`{{if(1 = 2; A; B)}}`, `"B"`},
		{`{{if(true; hello world; x)}}`, `"hello world"`},
		{`{{ifempty(; fallback)}}`, `"fallback"`},
		{`{{formatDate(now; DD.MM.YYYY HH:mm)}}`, `"07.10.2019 12:00"`},
		{`{{parseNumber(1 756,456; ,)}}`, `1756.456`},
		{`{{formatNumber(1234.5; 1; ,; .)}}`, `"1.234,5"`},
		{`{{join(split("a b"; space); , )}}`, `"a,b"`},
		{`{{if(true; #tag; x)}}`, `"#tag"`},
		{`{{sort(split("b,a"; ","); desc)}}`, `["b","a"]`},
		{`{{if(;;)}}`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, err := MustCompile(tt.src).Eval(env)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if g := asJSON(t, got); g != tt.want {
				t.Errorf("got %s, want %s", g, tt.want)
			}
		})
	}
}

func TestTemplateAccessors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src    string
		static bool
	}{
		{"plain text", true},
		{"", true},
		{"a {{1.x}}", false},
		{"{{1.x}}", false},
		{"a }} b {", true},
	}
	for _, tt := range tests {
		tpl := MustCompile(tt.src)
		if tpl.Static() != tt.static || tpl.Source() != tt.src {
			t.Errorf("%q: Static() = %v, Source() = %q", tt.src, tpl.Static(), tpl.Source())
		}
	}
	got, err := MustCompile("plain").Eval(nil)
	if err != nil || got != "plain" {
		t.Errorf("Eval(nil) = %#v, %v", got, err)
	}
}

func TestEvalNilScopeAndDefaults(t *testing.T) {
	t.Parallel()
	got, err := MustCompile("{{1.a}}").Eval(&Env{})
	if err != nil || got != nil {
		t.Errorf("got %#v, %v; want nil", got, err)
	}
	before := time.Now()
	got, err = MustCompile("{{now}}").Eval(nil)
	if err != nil {
		t.Fatal(err)
	}
	if tm, ok := got.(time.Time); !ok || tm.Before(before.Add(-time.Second)) {
		t.Errorf("now = %#v", got)
	}
	got, err = MustCompile("{{uuid}}").Eval(nil)
	if s, ok := got.(string); err != nil || !ok || len(s) != 36 || s[14] != '4' {
		t.Errorf("uuid = %#v, %v", got, err)
	}
	got, err = MustCompile("{{random}}").Eval(nil)
	if f, ok := got.(float64); err != nil || !ok || f < 0 || f >= 1 {
		t.Errorf("random = %#v, %v", got, err)
	}
}

func TestReferenceKeepsIdentity(t *testing.T) {
	t.Parallel()
	env := setup(t)
	got, err := MustCompile("{{1.data.tags}}").Eval(env)
	if err != nil {
		t.Fatal(err)
	}
	want := env.Scope.(MapScope)["1"].(map[string]any)["data"].(map[string]any)["tags"]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestToTextAndToBool(t *testing.T) {
	t.Parallel()
	texts := []struct {
		v    any
		want string
	}{
		{nil, ""},
		{true, "true"},
		{3.0, "3"},
		{-0.5, "-0.5"},
		{int64(7), "7"},
		{json.Number("1.50"), "1.50"},
		{[]any{"a", 1.0, nil}, "a, 1, "},
		{map[string]any{"b": 1.0, "a": "<x>"}, `{"a":"<x>","b":1}`},
		{[]byte("hé"), "hé"},
		{&bundle.File{Name: "f", Data: []byte("data")}, "data"},
		{time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), "2020-01-02T02:04:05.000Z"},
	}
	for _, tt := range texts {
		if got := ToText(tt.v); got != tt.want {
			t.Errorf("ToText(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	bools := []struct {
		v    any
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {"", false}, {"false", false}, {"FALSE", true}, {" false", true},
		{"0", true}, {"no", true}, {0.0, true}, {1.0, true}, {json.Number("0"), true},
		{[]any{}, true}, {[]any{nil}, true}, {map[string]any{}, true}, {fixedNow, true}, {[]byte{}, true},
	}
	for _, tt := range bools {
		if got := ToBool(tt.v); got != tt.want {
			t.Errorf("ToBool(%#v) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestRoots(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want []string
	}{
		{"plain", nil},
		{"{{1.a}} {{2.b[3.i]}} {{1.c}}", []string{"1", "2", "3"}},
		{"{{if(var.input.x; first(12.items).name; `4`)}}", []string{"var", "12", "4"}},
		{"{{-(5.n) + not 6.b}} {{placeholder}}", []string{"5", "6", "placeholder"}},
		{"{{formatDate(now; DD.MM.YYYY)}}", nil},
	}
	for _, tt := range tests {
		if got := MustCompile(tt.src).Roots(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Roots(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestTypedSlicesFromGoCode(t *testing.T) {
	t.Parallel()
	env := &Env{Scope: MapScope{"1": map[string]any{
		"rows":  []map[string]any{{"id": 1.0}, {"id": 2.0}},
		"names": []string{"x", "y"},
	}}}
	tests := []struct{ src, want string }{
		{"{{1.rows[2].id}}", "2"},
		{"{{1.rows.id}}", "[1,2]"},
		{"{{1.names[2]}}", `"y"`},
		{"{{join(1.names; \"+\")}}", `"x+y"`},
		{"{{length(1.names)}}", "2"},
	}
	for _, tt := range tests {
		got, err := MustCompile(tt.src).Eval(env)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		if g := asJSON(t, got); g != tt.want {
			t.Errorf("%s = %s, want %s", tt.src, g, tt.want)
		}
	}
}

func TestToNumberAndToDate(t *testing.T) {
	t.Parallel()
	nums := []struct {
		v    any
		want float64
		ok   bool
	}{
		{3.5, 3.5, true}, {int64(4), 4, true}, {json.Number("12"), 12, true}, {" 7 ", 7, true},
		{"0x1F", 31, true}, {"1e3", 1000, true}, {"", 0, false}, {"12px", 0, false},
		{nil, 0, false}, {true, 0, false}, {fixedNow, 0, false}, {[]any{1.0}, 0, false},
	}
	for _, tt := range nums {
		got, ok := ToNumber(tt.v)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ToNumber(%#v) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
	prague, _ := time.LoadLocation("Europe/Prague")
	dates := []struct {
		v    any
		loc  *time.Location
		want string // "" = not a date
	}{
		{fixedNow, nil, "2019-10-07T12:00:00.000Z"},
		{"2016-06-20T17:26:44.356Z", nil, "2016-06-20T17:26:44.356Z"},
		{"2016-06-20 19:26:44 GMT+02:00", nil, "2016-06-20T17:26:44.000Z"},
		{"2016-06-20 19:26+0200", nil, "2016-06-20T17:26:00.000Z"},
		{"2016/06/20 5:26 PM", nil, "2016-06-20T17:26:00.000Z"},
		{"06/20/2016", prague, "2016-06-19T22:00:00.000Z"},
		{"20.6.2016 19:26:44+02:00", nil, "2016-06-20T17:26:44.000Z"},
		{"Mon, 20 Jun 2016 17:26:44 GMT", nil, "2016-06-20T17:26:44.000Z"},
		{1466443604000.0, nil, "2016-06-20T17:26:44.000Z"},
		{"2016-02-30", nil, ""},
		{"13/01/2016", nil, ""},
		{"tomorrow", nil, ""},
		{nil, nil, ""},
	}
	for _, tt := range dates {
		got, ok := ToDate(tt.v, tt.loc)
		g := ""
		if ok {
			g = ToText(got)
		}
		if g != tt.want {
			t.Errorf("ToDate(%#v) = %q, want %q", tt.v, g, tt.want)
		}
	}
}
