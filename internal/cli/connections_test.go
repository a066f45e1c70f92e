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
	"sync"
	"testing"
)

// home is a store folder for CLI tests: every command run through it sees
// REQFLOW_HOME set to a fresh temporary folder.
type home struct {
	t   *testing.T
	env []string
	// secrets must never appear in any output of any command.
	secrets []string
}

func newHome(t *testing.T, secrets ...string) *home {
	t.Helper()
	return &home{t: t, env: []string{"REQFLOW_HOME=" + t.TempDir()}, secrets: secrets}
}

func (h *home) run(stdin string, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, h.env, strings.NewReader(stdin), &out, &errb)
	r := result{code, out.String(), errb.String()}
	for _, s := range h.secrets {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			h.t.Errorf("reqflow %s: output shows secret %q:\n%s\n%s", strings.Join(args, " "), s, r.stdout, r.stderr)
		}
	}
	return r
}

func (h *home) ok(stdin string, args ...string) string {
	h.t.Helper()
	r := h.run(stdin, args...)
	if r.code != 0 {
		h.t.Fatalf("reqflow %s: exit %d: %s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func TestConnectionsLifecycle(t *testing.T) {
	t.Parallel()
	h := newHome(t, "pa55word-xyz", "k3y-value-abc")
	if got := h.ok("pa55word-xyz\n", "connections", "create", "basic", "afk", "--username", "ada", "--password", "-"); got != "created basic connection \"afk\"\n" {
		t.Errorf("create: %q", got)
	}
	h.ok("", "connections", "create", "apikey", "maps", "--key", "k3y-value-abc", "--placement", "qs", "--name", "api_key")
	r := h.run("", "connections", "create", "basic", "afk", "--username", "x", "--password", "y")
	if r.code != 2 || r.stderr != "reqflow: creating connection \"afk\": already exists\n" {
		t.Errorf("duplicate: exit %d %q", r.code, r.stderr)
	}
	r = h.run("", "connections", "create", "apikey", "bad", "--key", "k3y-value-abc", "--placement", "cookie", "--name", "x")
	if r.code != 2 || r.stderr != "reqflow: connection \"bad\": placement must be header or qs, got \"cookie\"\n" {
		t.Errorf("bad placement: exit %d %q", r.code, r.stderr)
	}
	want := "NAME  TYPE    STATUS  EXPIRES\nafk   basic   ok      -\nmaps  apikey  ok      -\n"
	if got := h.ok("", "connections", "list"); got != want {
		t.Errorf("list:\n%s\nwant:\n%s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(h.ok("", "connections", "show", "afk", "--json")), &v); err != nil {
		t.Fatal(err)
	}
	delete(v, "created")
	if got, _ := json.Marshal(v); string(got) != `{"expiresAt":null,"name":"afk","password":"[redacted]","status":"ok","type":"basic","username":"ada"}` {
		t.Errorf("show --json: %s", got)
	}
	if got := h.ok("", "connections", "show", "maps"); !strings.Contains(got, "key: \"[redacted]\"\n") || !strings.Contains(got, "placement: \"qs\"\n") {
		t.Errorf("show: %s", got)
	}
	h.ok("", "connections", "delete", "maps")
	r = h.run("", "connections", "show", "maps")
	if r.code != 2 || r.stderr != "reqflow: connection \"maps\": not found\n" {
		t.Errorf("show deleted: exit %d %q", r.code, r.stderr)
	}
}

// keychainServer checks the credentials of testdata/keychains.json.
func keychainServer(t *testing.T) (string, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s?%s auth=%q key=%q %s", r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("X-Key"), body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/basic":
			if u, p, ok := r.BasicAuth(); !ok || u != "ada" || p != "pa55word-xyz" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, `{"user": "ada"}`)
		case "/key":
			fmt.Fprint(w, `{"ok": true}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &seen
}

func TestRunWithConnections(t *testing.T) {
	t.Parallel()
	base, seen := keychainServer(t)
	h := newHome(t, "pa55word-xyz", "k3y-value-abc", "cGE1NXdvcmQteHl6") // base64 of the password too
	h.ok("", "connections", "create", "basic", "afk", "--username", "ada", "--password", "pa55word-xyz")
	h.ok("", "connections", "create", "apikey", "keyed", "--key", "k3y-value-abc", "--placement", "header", "--name", "X-Key")

	r := h.run("", "run", "testdata/keychains.json", "--input", "base="+base, "--json",
		"--connection", "71843=afk", "--connection", "72749=keyed")
	if r.code != 0 {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	want := `GET /basic? auth="Basic YWRhOnBhNTV3b3JkLXh5eg==" key="" ` + "\n" +
		`POST /key?chain=ethereum auth="" key="k3y-value-abc" {"user": "ada"}`
	if got := strings.Join(*seen, "\n"); got != want {
		t.Errorf("server saw:\n%s\nwant:\n%s", got, want)
	}

	r = h.run("", "run", "testdata/keychains.json", "--input", "base="+base, "--connection", "71843=afk")
	if r.code != 2 || r.stderr != "reqflow: the scenario cannot run:\n  module 2 (http:ActionSendDataAPIKeyAuth): parameters: field \"auth\": connection id 72749 is not mapped to a stored connection (run with --connection 72749=NAME)\n" {
		t.Errorf("missing mapping: exit %d %q", r.code, r.stderr)
	}
	r = h.run("", "run", "testdata/keychains.json", "--connection", "71843")
	if r.code != 2 || r.stderr != "reqflow: --connection \"71843\": expected ID=NAME (a blueprint's connection id and a stored connection)\n" {
		t.Errorf("bad flag: exit %d %q", r.code, r.stderr)
	}
}

func TestConnectionsTest(t *testing.T) {
	t.Parallel()
	base, _ := keychainServer(t)
	h := newHome(t, "pa55word-xyz", "wrong-pass")
	h.ok("", "connections", "create", "basic", "afk", "--username", "ada", "--password", "pa55word-xyz")
	h.ok("", "connections", "create", "basic", "bad", "--username", "ada", "--password", "wrong-pass")
	if got := h.ok("", "connections", "test", "afk", base+"/basic"); got != "200 OK\n" {
		t.Errorf("test: %q", got)
	}
	r := h.run("", "connections", "test", "bad", base+"/basic")
	if r.code != 1 || r.stdout != "401 Unauthorized\n" {
		t.Errorf("test bad: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestStoreFilesHoldNoSecrets reads every file the CLI left in the store
// folder, key file aside.
func TestStoreFilesHoldNoSecrets(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.ok("", "connections", "create", "basic", "afk", "--username", "ada", "--password", "pa55word-xyz")
	h.ok("", "connections", "create", "apikey", "k", "--key", "k3y-value-abc", "--name", "X-Key")
	dir := strings.TrimPrefix(h.env[0], "REQFLOW_HOME=")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "master.key" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"pa55word-xyz", "k3y-value-abc"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", e.Name(), s)
			}
		}
	}
}

func TestCheckWithConnections(t *testing.T) {
	t.Parallel()
	h := newHome(t, "pa55word-xyz")
	h.ok("", "connections", "create", "basic", "afk", "--username", "ada", "--password", "pa55word-xyz")
	h.ok("", "connections", "create", "apikey", "keyed", "--key", "k3y", "--placement", "header", "--name", "X-Key")
	r := h.run("", "check", "testdata/keychains.json")
	if r.code != 1 || !strings.Contains(r.stdout, "connection id 71843 is not mapped to a stored connection (run with --connection 71843=NAME)") {
		t.Errorf("unmapped: exit %d\n%s", r.code, r.stdout)
	}
	r = h.run("", "check", "testdata/keychains.json", "--connection", "71843=afk", "--connection", "72749=keyed")
	if r.code != 0 || !strings.HasSuffix(r.stdout, "OK: the scenario can run\n") {
		t.Errorf("mapped: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
