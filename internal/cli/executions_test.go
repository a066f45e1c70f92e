package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestBreakStoresAndResumeCompletes(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	down.Store(true)
	var shipped []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/orders":
			fmt.Fprint(w, `{"order": "A17"}`)
		case down.Load():
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error": "maintenance"}`)
		default:
			shipped = append(shipped, r.Method+" "+r.URL.Path)
			fmt.Fprint(w, `{"shipped": true}`)
		}
	}))
	t.Cleanup(srv.Close)
	env := []string{"REQFLOW_HOME=" + t.TempDir()}
	run := func(stdin string, args ...string) result {
		var out, errb bytes.Buffer
		code := Main(args, env, strings.NewReader(stdin), &out, &errb)
		return result{code, out.String(), errb.String()}
	}
	r := run("", "run", "testdata/break.json", "--input", "base="+srv.URL, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"status": "warning"`) || !strings.Contains(r.stderr, "reqflow: stored incomplete execution ") {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	id := strings.Fields(strings.SplitN(r.stderr, "stored incomplete execution ", 2)[1])[0]

	r = run("", "executions", "incomplete", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %s", err, r.stdout)
	}
	if list[0]["id"] != id || list[0]["module"] != float64(2) || list[0]["maxAttempts"] != float64(3) ||
		fmt.Sprint(list[0]["error"]) != `map[message:[503] {"error": "maintenance"} type:RuntimeError]` {
		t.Errorf("list = %v", list)
	}

	// Still down: the resume fails, and the attempt is counted.
	r = run("", "executions", "resume", id)
	if r.code != 1 || !strings.Contains(r.stderr, "failed again (attempt 1)") {
		t.Errorf("resume while down: exit %d, %s", r.code, r.stderr)
	}
	down.Store(false)
	r = run("", "executions", "resume", id, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"shipped": true`) || strings.Join(shipped, ",") != "POST /ship/A17" {
		t.Errorf("resume: exit %d, shipped %q\n%s\n%s", r.code, shipped, r.stdout, r.stderr)
	}
	r = run("", "executions", "incomplete")
	if r.code != 0 || r.stdout != "No incomplete executions.\n" {
		t.Errorf("after resume: %q", r.stdout)
	}
	r = run("", "executions", "resume", id)
	if r.code != 2 || !strings.Contains(r.stderr, "no such incomplete execution") {
		t.Errorf("resume twice: exit %d, %s", r.code, r.stderr)
	}
	r = run("", "executions", "delete", id)
	if r.code != 2 || !strings.Contains(r.stderr, "no such incomplete execution") {
		t.Errorf("delete after resume: exit %d, %s", r.code, r.stderr)
	}
	down.Store(true)
	r = run("", "run", "testdata/break.json", "--input", "base="+srv.URL)
	id = strings.Fields(strings.SplitN(r.stderr, "stored incomplete execution ", 2)[1])[0]
	r = run("", "executions", "delete", id)
	if r.code != 0 || r.stdout != "deleted incomplete execution "+id+"\n" {
		t.Errorf("delete: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}
