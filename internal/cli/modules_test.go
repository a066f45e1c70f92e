package cli

import (
	"os"
	"strings"
	"testing"
)

func TestModulesListsAndDescribes(t *testing.T) {
	t.Parallel()
	r := reqflow(t, "", "modules")
	for _, want := range []string{"http:ActionSendData                ", "builtin:BasicRouter", "util:SetVariable2"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("modules lacks %q (exit %d):\n%s", want, r.code, r.stdout)
		}
	}
	r = reqflow(t, "", "modules", "http:ActionSendData")
	for _, want := range []string{
		"http:ActionSendData (version 3): Make a request\n",
		"  timeout ",
		"default 40; Timeout: Seconds, 1–300.",
		"  authPass ",
		"secret; Password",
	} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("describe lacks %q:\n%s", want, r.stdout)
		}
	}
	r = reqflow(t, "", "modules", "builtin:Break")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "builtin:Break: Break (error directive)\n") {
		t.Errorf("builtin: exit %d, %q", r.code, r.stdout)
	}
	r = reqflow(t, "", "modules", "--json", "http:ActionSendData")
	if r.code != 0 || !strings.Contains(r.stdout, `"id": "http:ActionSendData"`) || !strings.Contains(r.stdout, `"name": "timeout"`) {
		t.Errorf("json: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	r = reqflow(t, "", "modules", "telegram:SendReplyMessage")
	if r.code != 2 || r.stderr != "reqflow: no module type \"telegram:SendReplyMessage\" (see reqflow modules)\n" {
		t.Errorf("unknown: exit %d, %q", r.code, r.stderr)
	}
}

// TestModulesReferenceIsCurrent keeps docs/modules.md equal to what the
// specs print. Regenerate it with:
//
//	go run ./cmd/reqflow modules --markdown > docs/modules.md
func TestModulesReferenceIsCurrent(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("../../docs/modules.md")
	if err != nil {
		t.Fatal(err)
	}
	r := reqflow(t, "", "modules", "--markdown")
	if r.code != 0 || r.stdout != string(want) {
		t.Errorf("docs/modules.md is out of date; regenerate it with: go run ./cmd/reqflow modules --markdown > docs/modules.md")
	}
}
