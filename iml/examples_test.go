package iml

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reqflow/reqflow/bundle"
)

// exampleRow is one line of an examples table: the formula (evaluated as
// {{expr}}), the expected JSON and a note.
type exampleRow struct {
	line     int
	expr     string
	expected string
	note     string
}

// readExamples reads a tab-separated examples file (header line first;
// columns expr, expected_json, source, confidence, note).
func readExamples(t *testing.T, path string) []exampleRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("opening examples: %v", err)
	}
	defer f.Close()
	var rows []exampleRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		if n == 1 || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 {
			t.Fatalf("%s:%d: want at least 2 tab-separated columns", path, n)
		}
		r := exampleRow{line: n, expr: cols[0], expected: cols[1]}
		if len(cols) >= 5 {
			r.note = cols[4]
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading examples: %v", err)
	}
	return rows
}

// sameJSON compares a result with expected JSON semantically (numbers by
// value, objects regardless of key order).
func sameJSON(t *testing.T, got any, expected string) (bool, string) {
	t.Helper()
	b, err := json.Marshal(bundle.ToJSON(got))
	if err != nil {
		return false, "unprintable: " + err.Error()
	}
	var g, w any
	if err := json.Unmarshal(b, &g); err != nil {
		return false, err.Error()
	}
	if err := json.Unmarshal([]byte(expected), &w); err != nil {
		t.Fatalf("bad expected JSON %s: %v", expected, err)
	}
	return reflect.DeepEqual(g, w), string(b)
}

// runExamples evaluates every row and returns how many passed.
func runExamples(t *testing.T, path string) (passed, total int) {
	t.Helper()
	env := &Env{Now: time.Date(2019, 10, 7, 12, 0, 0, 0, time.UTC), Location: time.UTC}
	for _, r := range readExamples(t, path) {
		total++
		ok := t.Run(r.expr, func(t *testing.T) {
			tpl, err := Compile("{{" + r.expr + "}}")
			if err != nil {
				t.Fatalf("line %d: Compile: %v", r.line, err)
			}
			got, err := tpl.Eval(env)
			if err != nil {
				t.Fatalf("line %d: Eval: %v", r.line, err)
			}
			if same, g := sameJSON(t, got, r.expected); !same {
				t.Errorf("line %d: got %s, want %s (%s)", r.line, g, r.expected, r.note)
			}
		})
		if ok {
			passed++
		}
	}
	return passed, total
}

// TestExamples runs the project's copy of the documented examples.
func TestExamples(t *testing.T) {
	t.Parallel()
	passed, total := runExamples(t, "testdata/examples.tsv")
	t.Logf("testdata/examples.tsv: %d of %d rows pass", passed, total)
}

// TestSharedExamples runs the shared fixture when the shared folder is
// present beside the repository.
func TestSharedExamples(t *testing.T) {
	t.Parallel()
	const path = "../../shared/fixtures/iml-examples.tsv"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared fixtures absent: %v", err)
	}
	passed, total := runExamples(t, path)
	t.Logf("%s: %d of %d rows pass", path, passed, total)
}

// TestJSBuiltins checks the functions that follow JavaScript built-ins
// (String(n), toFixed, encodeURIComponent, String.replace with a RegExp,
// split, substring, Math.round, trim) against results computed with Node.
func TestJSBuiltins(t *testing.T) {
	t.Parallel()
	passed, total := runExamples(t, "testdata/js-builtins.tsv")
	t.Logf("testdata/js-builtins.tsv: %d of %d rows pass", passed, total)
}

// TestMoment checks formatDate, parseDate and the date arithmetic against
// results computed with moment.js and moment-timezone.
func TestMoment(t *testing.T) {
	t.Parallel()
	passed, total := runExamples(t, "testdata/moment.tsv")
	t.Logf("testdata/moment.tsv: %d of %d rows pass", passed, total)
}
