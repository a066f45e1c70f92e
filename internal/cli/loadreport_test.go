package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunJSONWhenTheBlueprintCannotRun(t *testing.T) {
	t.Parallel()
	r := reqflow(t, "", "run", "testdata/unsupported.json", "--json")
	var doc struct {
		Scenario string `json:"scenario"`
		Status   string `json:"status"`
		Error    struct {
			Module  int    `json:"module"`
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
		Modules  []any `json:"modules"`
		Problems []struct {
			Module int    `json:"module"`
			Reason string `json:"reason"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("exit %d, stdout is not JSON: %v\n%s", r.code, err, r.stdout)
	}
	if r.code != 2 || doc.Scenario != "Mixed apps" || doc.Status != "error" || doc.Modules == nil || len(doc.Modules) != 0 ||
		doc.Error.Module != 13 || doc.Error.Type != "InvalidConfigurationError" || len(doc.Problems) != 1 ||
		!strings.HasPrefix(doc.Problems[0].Reason, "module type telegram:SendReplyMessage is not supported") {
		t.Errorf("exit %d, document %+v", r.code, doc)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"flow": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = reqflow(t, "", "run", bad, "--json")
	if r.code != 2 || !strings.Contains(r.stdout, `"message": "blueprint: invalid JSON: unexpected end of file"`) {
		t.Errorf("exit %d, stdout %s", r.code, r.stdout)
	}
}

func TestRunWarnsAboutInputsThatAreNotSet(t *testing.T) {
	t.Parallel()
	base, _ := setup(t)
	r := reqflow(t, "", "run", "testdata/two-requests.json", "--input", "base="+base)
	want := "reqflow: warning: {{var.input.token}} is not set and reads as empty text (set it with --input token=VALUE)\n"
	if r.code != 0 || r.stderr != want {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
