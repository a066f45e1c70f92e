package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunTrigger(t *testing.T) {
	t.Parallel()
	base, seen := setup(t)
	dir := t.TempDir()
	payload := filepath.Join(dir, "payload.json")
	twice := filepath.Join(dir, "twice.json")
	for name, body := range map[string]string{
		payload: `{"event": "complete", "data": {"speakers": ["Ada", "Bob"]}}`,
		twice:   `[{"event": "one", "data": {"speakers": ["Ada"]}}, {"event": "two", "data": {"speakers": []}}]`,
	} {
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := reqflow(t, "", "run", "testdata/webhook.json", "--trigger", payload, "--input", "base="+base, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"module": "gateway:CustomWebHook",
      "stubbed": true`) || !strings.Contains(r.stdout, `"text": "Ada & Bob"`) {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if got := strings.Join(*seen, "\n"); got != "POST /greet  complete: Ada & Bob" {
		t.Errorf("server saw:\n%s", got)
	}
	*seen = nil
	r = reqflow(t, "", "run", "testdata/webhook.json", "--trigger", twice, "--input", "base="+base)
	if r.code != 0 {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	if got := strings.Join(*seen, "\n"); got != "POST /greet  one: Ada\nPOST /greet  two: " {
		t.Errorf("server saw:\n%s", got)
	}

	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"run", "testdata/webhook.json", "--input", "base=" + base}, 2,
			"reqflow: the scenario cannot run:\n  module 1 (gateway:CustomWebHook): module type gateway:CustomWebHook is not supported; stub it with --stub 1=FILE.json\n"},
		{[]string{"run", "testdata/webhook.json", "--trigger", payload, "--stub", "1=" + payload}, 2,
			"reqflow: --trigger: module 1 (gateway:CustomWebHook) is also given with --stub; use one of them\n"},
		{[]string{"run", "testdata/two-requests.json", "--trigger", payload}, 2,
			"reqflow: --trigger: module 1 (http:ActionSendData) is not a trigger: reqflow runs it itself (use --stub 1=FILE to replace its output)\n"},
		{[]string{"run", "testdata/webhook.json", "--trigger", filepath.Join(dir, "missing.json")}, 2,
			"reqflow: --trigger: reading stub: open " + filepath.Join(dir, "missing.json") + ": no such file or directory\n"},
		{[]string{"check", "testdata/webhook.json", "--trigger", payload}, 0, ""},
	}
	for _, c := range cases {
		r := reqflow(t, "", c.args...)
		if r.code != c.code || r.stderr != c.err {
			t.Errorf("%q: exit %d, stderr %q\nwant exit %d, %q", c.args, r.code, r.stderr, c.code, c.err)
		}
	}
}

func TestCheckHints(t *testing.T) {
	t.Parallel()
	r := reqflow(t, "", "check", "testdata/webhook.json")
	want := `Scenario "Webhook to API": 5 modules
  -     placeholder:Placeholder                  v0  placeholder (skipped)
  1     gateway:CustomWebHook                    v1  unsupported: module type gateway:CustomWebHook is not supported; stub it with --stub 1=FILE.json
        hint: a trigger: give the bundle(s) it would receive with --trigger FILE.json
  2     builtin:BasicFeeder                      v1  supported
  3     util:TextAggregator                      v1  supported
  4     http:ActionSendData                      v3  supported
`
	if r.code != 1 || r.stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s", r.code, r.stdout, want)
	}
	cases := []struct {
		module string
		first  bool
		want   string
	}{
		{"gateway:CustomWebHook", true, "a trigger: give the bundle(s) it would receive with --trigger FILE.json"},
		{"wordpress:watchPosts", true, "a trigger: give the bundle(s) it would receive with --trigger FILE.json"},
		{"google-email:TriggerNewEmail", true, "a trigger: give the bundle(s) it would receive with --trigger FILE.json"},
		{"wordpress:watchPosts", false, "replace it with Make a request (http:ActionSendData) to the wordpress API, or stub it"},
		{"gateway:WebhookRespond", false, "answers the webhook's caller, which a one-off run does not have: stub it"},
		{"regexp:HTMLParser", false, "a Make built-in reqflow does not implement yet: stub it, or do its work with IML functions in the next module's mapper"},
		{"google-sheets:addRow", false, "replace it with Make a request (http:ActionSendData) to the google-sheets API, or stub it"},
	}
	for _, c := range cases {
		if got := moduleHint(c.module, c.first); got != c.want {
			t.Errorf("moduleHint(%s, %v) = %q, want %q", c.module, c.first, got, c.want)
		}
	}
}

func TestRunMaxSleep(t *testing.T) {
	t.Parallel()
	bp := filepath.Join(t.TempDir(), "sleepy.json")
	src := `{"name": "sleepy", "flow": [
		{"id": 1, "module": "util:FunctionSleep", "version": 1, "mapper": {"duration": "300"}},
		{"id": 2, "module": "util:SetVariable2", "version": 1, "mapper": {"name": "woke", "scope": "roundtrip", "value": "yes"}}]}`
	if err := os.WriteFile(bp, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	r := reqflow(t, "", "run", bp, "--max-sleep", "0", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"woke": "yes"`) {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	r = reqflow(t, "", "run", bp, "--max-sleep", "-1s")
	if r.code != 2 || r.stderr != "reqflow: --max-sleep -1s: expected a duration of 0 or more\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
