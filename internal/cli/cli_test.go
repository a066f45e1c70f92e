package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reqflow/reqflow/httpclient"
)

// result is what one command line run produced.
type result struct {
	code           int
	stdout, stderr string
}

func reqflow(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, nil, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// setup starts a loopback API for testdata/two-requests.json.
func setup(t *testing.T) (string, *[]string) {
	t.Helper()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(body))
		switch r.URL.Path {
		case "/user":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"name": "Ada", "id": 9007199254740993}`)
		case "/greet":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "hi Ada")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &seen
}

func TestRunJSONContract(t *testing.T) {
	t.Parallel()
	base, seen := setup(t)
	r := reqflow(t, "", "run", "testdata/two-requests.json", "--input", "base="+base, "--input", "token=s3cret", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := strings.Join(*seen, "\n"); got != "GET /user Bearer s3cret \nPOST /greet  {\"hello\": \"Ada\"}" {
		t.Errorf("server saw:\n%s", got)
	}
	var doc struct {
		Scenario string          `json:"scenario"`
		Status   string          `json:"status"`
		Error    json.RawMessage `json:"error"`
		Modules  []struct {
			ID         int    `json:"id"`
			Module     string `json:"module"`
			Operations []struct {
				Input   map[string]any    `json:"input"`
				Outputs []json.RawMessage `json:"outputs"`
				Error   json.RawMessage   `json:"error"`
			} `json:"operations"`
		} `json:"modules"`
	}
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Error("stdout has more than one JSON document")
	}
	if doc.Scenario != "Look up then post" || doc.Status != "success" || string(doc.Error) != "null" || len(doc.Modules) != 2 {
		t.Fatalf("document: %s", r.stdout)
	}
	m1 := doc.Modules[0].Operations[0]
	var out1 struct {
		StatusCode int             `json:"statusCode"`
		Data       json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(m1.Outputs[0], &out1); err != nil {
		t.Fatal(err)
	}
	var data bytes.Buffer
	if err := json.Compact(&data, out1.Data); err != nil {
		t.Fatal(err)
	}
	if out1.StatusCode != 200 || data.String() != `{"id":9007199254740993,"name":"Ada"}` {
		t.Errorf("module 1 output: %s", m1.Outputs[0])
	}
	if strings.Contains(r.stdout, "s3cret") {
		t.Error("the token leaked into the JSON output")
	}
	var out2 map[string]any
	if err := json.Unmarshal(doc.Modules[1].Operations[0].Outputs[0], &out2); err != nil {
		t.Fatal(err)
	}
	if out2["data"] != "hi Ada" {
		t.Errorf("module 2 data = %v", out2["data"])
	}
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	base, _ := setup(t)
	dir := t.TempDir()
	failing := filepath.Join(dir, "fail.json")
	src := `{"name": "missing", "flow": [{"id": 4, "module": "http:ActionSendData", "version": 3, "parameters": {"handleErrors": true}, "mapper": {"url": "` + base + `/nope"}}]}`
	if err := os.WriteFile(failing, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	r := reqflow(t, "", "run", failing, "--json")
	if r.code != 1 || !strings.Contains(r.stdout, `"error": {
    "module": 4,
    "type": "RuntimeError",
    "message": "[404] 404 page not found",
    "statusCode": 404
  }`) {
		t.Errorf("exit %d, stdout:\n%s", r.code, r.stdout)
	}
	r = reqflow(t, "", "run", "testdata/unsupported.json")
	if r.code != 2 || !strings.Contains(r.stderr, "module 13 (telegram:SendReplyMessage): module type telegram:SendReplyMessage is not supported; stub it with --stub 13=FILE.json") {
		t.Errorf("exit %d, stderr: %s", r.code, r.stderr)
	}
	r = reqflow(t, "", "run", filepath.Join(dir, "absent.json"))
	if r.code != 2 || !strings.Contains(r.stderr, "reading blueprint: open ") {
		t.Errorf("exit %d, stderr: %s", r.code, r.stderr)
	}
	r = reqflow(t, "", "run", "testdata/two-requests.json", "--input", "novalue")
	if r.code != 2 || r.stderr != "reqflow: --input \"novalue\": expected NAME=VALUE\n" {
		t.Errorf("exit %d, stderr: %q", r.code, r.stderr)
	}
	r = reqflow(t, "", "frobnicate")
	if r.code != 2 {
		t.Errorf("unknown command: exit %d", r.code)
	}
}

func TestRunHumanSummary(t *testing.T) {
	t.Parallel()
	base, _ := setup(t)
	r := reqflow(t, "", "run", "testdata/two-requests.json", "--input", "base="+base, "--input", "token=t")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		`Scenario "Look up then post": success in `,
		"  [1] Who am I (http:ActionSendData) — 1 operation\n      operation 1: 1 bundle in ",
		`        data: {"id":9007199254740993,"name":"Ada"}`,
		"        statusCode: 200\n",
		"  [2] http:ActionSendData — 1 operation\n",
		`        data: "hi Ada"`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestRunWithStub(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stub := filepath.Join(dir, "reply.json")
	if err := os.WriteFile(stub, []byte(`[{"message_id": 1}, {"message_id": 2}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	bp := filepath.Join(dir, "bp.json")
	src := `{"flow": [{"id": 13, "module": "telegram:SendReplyMessage", "version": 1},
		{"id": 2, "module": "http:ActionSendData", "version": 3, "mapper": {"url": "` + srv.URL + `/m/{{13.message_id}}"}}]}`
	if err := os.WriteFile(bp, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	r := reqflow(t, "", "run", bp, "--stub", "13="+stub, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"stubbed": true`) || strings.Count(r.stdout, `"statusCode": 200`) != 2 {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	r := reqflow(t, "", "check", "testdata/unsupported.json")
	want := `Scenario "Mixed apps": 3 modules
  -     placeholder:Placeholder                  v0  placeholder (skipped)
  1     http:ActionSendData                      v3  supported
  13    telegram:SendReplyMessage                v1  unsupported: module type telegram:SendReplyMessage is not supported; stub it with --stub 13=FILE.json
        hint: replace it with Make a request (http:ActionSendData) to the telegram API, or stub it
`
	if r.code != 1 || r.stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s", r.code, r.stdout, want)
	}
	if r.stderr != "reqflow: the scenario cannot run: module 13 (telegram:SendReplyMessage)\n" {
		t.Errorf("stderr: %s", r.stderr)
	}
	r = reqflow(t, "", "check", "testdata/two-requests.json")
	if r.code != 0 || !strings.HasSuffix(r.stdout, "OK: the scenario can run\n") {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
}

// TestCheckRealExports checks every public export kept in ../shared (when
// present): each loads, and every HTTP module in it is reported supported
// unless it uses a feature that is not built yet.
func TestCheckRealExports(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../../shared/fixtures/make-blueprints/*.json")
	if len(files) == 0 {
		t.Skip("../shared/fixtures is not present")
	}
	for _, f := range files {
		r := reqflow(t, "", "check", "--json", f)
		var doc struct {
			Modules []struct {
				ID        int    `json:"id"`
				Module    string `json:"module"`
				Supported bool   `json:"supported"`
				Reason    string `json:"reason"`
			} `json:"modules"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Errorf("%s: exit %d, %v: %s", filepath.Base(f), r.code, err, r.stderr)
			continue
		}
		reg, err := newRegistry(httpclient.New())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range doc.Modules {
			_, lookupErr := reg.Lookup(m.Module, 0)
			vendor := lookupErr != nil && !strings.HasPrefix(m.Module, "http:") && !strings.HasPrefix(m.Module, "builtin:") && m.Module != "placeholder:Placeholder"
			if vendor && m.Supported {
				t.Errorf("%s: module %d (%s) reported supported", filepath.Base(f), m.ID, m.Module)
			}
			if !m.Supported && !strings.Contains(m.Reason, fmt.Sprint(m.ID)) && !strings.Contains(m.Reason, "not supported yet") && !strings.Contains(m.Reason, "--connection") {
				t.Errorf("%s: module %d (%s): reason %q does not say how to proceed", filepath.Base(f), m.ID, m.Module, m.Reason)
			}
		}
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := filepath.Join(dir, "b.json")
	if err := os.WriteFile(b, []byte(`{"data": {"items": [{"name": "a"}, {"name": "b"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"eval", `{{1.data.items[2].name}}`, "--bundle", "1=" + b}, "b\n"},
		{[]string{"eval", "--json", `{{1.data.items}}`, "--bundle", "1=" + b}, `[{"name":"a"},{"name":"b"}]` + "\n"},
		{[]string{"eval", "--input", "who=Ada", "Hi {{var.input.who}}!"}, "Hi Ada!\n"},
	}
	for _, c := range cases {
		r := reqflow(t, "", c.args...)
		if r.code != 0 || r.stdout != c.want {
			t.Errorf("%q: exit %d, %q, want %q (%s)", c.args, r.code, r.stdout, c.want, r.stderr)
		}
	}
	r := reqflow(t, "{{1.data.items[1].name}}\n{{1.data.items[}}\n", "eval", "--lines", "--bundle", "1="+b)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != 2 || lines[0] != `"a"` || !strings.HasPrefix(lines[1], `{"error":{"message":"line 1, col `) || !strings.Contains(lines[1], `"position":{"col":`) {
		t.Errorf("exit %d, stdout:\n%s", r.code, r.stdout)
	}
}

func TestShortJSONCutsAtACharacterBoundary(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("テ", 200) + "<&>"
	got := shortJSON(long)
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "テ…") || len(got) > maxShown+len("…") {
		t.Errorf("shortJSON = %q", got)
	}
	if got := shortJSON("a<b>&c"); got != `"a<b>&c"` {
		t.Errorf("shortJSON escapes HTML: %s", got)
	}
}
