package iml

import (
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzCompileEval checks that no mapper string makes Compile or Eval panic
// or hang, and that Compile errors always carry a position.
func FuzzCompileEval(f *testing.F) {
	seeds := []string{
		"", "plain", "{{1.a}}", "{{1.`Customer Name`.x[2][]}}", "a {{1.b}} c {{2.c}}",
		`{{replace(replace(base64("{""alg"":""HS256""}"); "/=/g"; emptystring); "/\+/g"; "-")}}`,
		"{{if(1 = 2 and not true; A; B)}}", "{{formatDate(now; DD.MM.YYYY HH:mm)}}",
		"{{1.data[3.i]}}", "{{((((1))))}}", "{{-1 + 2 * 3 / 4 % 5}}", `{{"a""b"}}`, "{{f(}}",
		"{{sha256(1.x; \"base64\"; \"k\")}}", "{{split(\"a,b\"; \",\")}}", "{{get(1; \"a.b[2]\")}}",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	// Every documented example is a seed, so that the fuzzer starts from
	// valid calls of most functions.
	if data, err := os.ReadFile("testdata/examples.tsv"); err == nil {
		for _, line := range strings.Split(string(data), "\n")[1:] {
			if expr, _, ok := strings.Cut(line, "\t"); ok {
				f.Add("{{" + expr + "}}")
			}
		}
	}
	env := &Env{
		Now:   time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		Scope: MapScope{"1": map[string]any{"a": "x", "data": []any{1.0, "b"}}, "3": map[string]any{"i": 2.0}},
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Compile(src)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Line < 1 || e.Col < 1 {
				t.Fatalf("Compile(%q): bad error %#v", src, err)
			}
			return
		}
		if tpl.Source() != src {
			t.Fatalf("Source() = %q", tpl.Source())
		}
		start := time.Now()
		_, _ = tpl.Eval(env)
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("Eval(%q) took %v", src, d)
		}
	})
}

// FuzzMoment checks that no format or text makes formatDate or parseDate
// panic, and that a date formatted with its ISO layout parses back.
func FuzzMoment(f *testing.F) {
	for _, s := range [][2]string{
		{"YYYY-MM-DD HH:mm:ss.SSS Z", "2019-10-07 14:05:09.123 +02:00"},
		{"[Week] W [of] GGGG", "Week 41 of 2019"},
		{"Do MMMM YYYY, h:mm a", "7th October 2019, 2:05 pm"},
		{"X", "1570457109.123"}, {"x", "-1"}, {"LLLL", "Monday, October 7, 2019 2:05 PM"},
		{"[unclosed", "\\"}, {"ZZ Z z", "Z"}, {"DDDD YYYY", "366 2020"}, {"Q YYYY", "5 2020"},
	} {
		f.Add(s[0], s[1], int64(1570457109123))
	}
	f.Fuzz(func(t *testing.T, format, text string, ms int64) {
		ms %= 8.64e15
		d := time.UnixMilli(ms).UTC()
		_ = formatMoment(d, format)
		_, _ = parseMoment(text, format, time.UTC, d)
		_, _ = parseDateText(text, time.UTC)
		iso := formatMoment(d, "YYYY-MM-DDTHH:mm:ss.SSSZ")
		if d.Year() >= 0 && d.Year() <= 9999 {
			back, err := parseMoment(iso, "YYYY-MM-DDTHH:mm:ss.SSSZ", time.UTC, d)
			if err != nil || !back.Equal(d) {
				t.Fatalf("%s parsed back as %v, %v", iso, back, err)
			}
		}
	})
}
