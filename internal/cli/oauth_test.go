package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reqflow/reqflow/internal/testserver/oauth"
)

// lineWriter hands the first line written to it to a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan string
	sent  bool
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if line, _, ok := strings.Cut(w.buf.String(), "\n"); ok && !w.sent {
		w.sent = true
		w.first <- line
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// authorizeCLI runs `connections authorize NAME --no-browser` and plays
// the browser with the URL it prints.
func (h *home) authorizeCLI(name string) (result, string) {
	h.t.Helper()
	out := &lineWriter{first: make(chan string, 1)}
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"connections", "authorize", name, "--no-browser", "--wait", "10s"}, h.env, strings.NewReader(""), out, &errb)
	}()
	var authURL string
	select {
	case authURL = <-out.first:
	case code := <-done:
		h.t.Fatalf("authorize exited %d: %s", code, errb.String())
	}
	resp, err := http.Get(authURL) // the provider redirects to the loopback listener
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	code := <-done
	r := result{code, out.String(), errb.String()}
	for _, s := range h.secrets {
		if strings.Contains(r.stdout+r.stderr, s) {
			h.t.Errorf("authorize shows secret %q", s)
		}
	}
	return r, authURL
}

func TestOAuth2Connections(t *testing.T) {
	t.Parallel()
	srv := oauth.NewTest(t, "cli-client", "cli-s3cret-value")
	h := newHome(t, "cli-s3cret-value", "access-2", "refresh-3", "h3ader-secret")
	h.ok("cli-s3cret-value\n", "connections", "create", "oauth2", "api", "--flow", "code", "--pkce",
		"--authorize-uri", srv.URL+"/authorize", "--token-uri", srv.URL+"/token", "--client-id", "cli-client", "--client-secret", "-",
		"--scope", "read", "--scope", "write", "--scope-separator", "comma", "--authorize-param", "prompt=consent",
		"--token-header", "X-Secret=h3ader-secret")
	var v map[string]any
	_ = json.Unmarshal([]byte(h.ok("", "connections", "show", "api", "--json")), &v)
	if v["status"] != "needs-authorization" || v["expiresAt"] != nil || v["clientSecret"] != "[redacted]" || v["flow"] != "code" ||
		v["pkce"] != true || v["clientAuth"] != "body" || v["tokenPlacement"] != "header" || v["headerTokenName"] != "Bearer" {
		t.Errorf("before authorize: %v", v)
	}
	r, authURL := h.authorizeCLI("api")
	if r.code != 0 {
		t.Fatalf("authorize: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 2 || lines[0] != authURL || !strings.HasPrefix(lines[1], `authorized connection "api" (expires `) {
		t.Errorf("stdout: %q", r.stdout)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if u.Path != "/authorize" || q.Get("scope") != "read,write" || q.Get("prompt") != "consent" || q.Get("code_challenge_method") != "S256" ||
		!strings.Contains(u.RawQuery, "scope=read%2Cwrite") {
		t.Errorf("authorize URL %s", authURL)
	}
	if reqs := srv.TokenRequests(); len(reqs) != 1 || reqs[0].Header.Get("X-Secret") != "h3ader-secret" {
		t.Errorf("token requests: %v", reqs)
	}
	v = nil
	_ = json.Unmarshal([]byte(h.ok("", "connections", "show", "api", "--json")), &v)
	exp, _ := v["expiresAt"].(string)
	if at, err := time.Parse(time.RFC3339, exp); v["status"] != "ok" || err != nil || time.Until(at) < 59*time.Minute ||
		v["accessToken"] != "[redacted]" || v["refreshToken"] != "[redacted]" {
		t.Errorf("after authorize: %v", v)
	}
	if got := h.ok("", "connections", "test", "api", srv.URL+"/api/me"); got != "200 OK\n" {
		t.Errorf("test: %q", got)
	}

	dir := t.TempDir()
	bp := filepath.Join(dir, "oauth.json")
	_ = os.WriteFile(bp, []byte(`{"name": "oauth", "flow": [
		{"id": 1, "module": "http:ActionSendDataAdvanced", "version": 3, "parameters": {"__IMTCONN__": 4711, "handleErrors": true},
		 "mapper": {"url": "`+srv.URL+`/api/me", "parseResponse": true}},
		{"id": 2, "module": "http:MakeRequest", "version": 4, "parameters": {"authenticationType": "oAuth", "oAuthAccount": 4711},
		 "mapper": {"url": "`+srv.URL+`/api/me"}}]}`), 0o600)
	r = h.run("", "run", bp, "--json", "--connection", "4711=api")
	if r.code != 0 || strings.Count(r.stdout, `"scope": "read,write"`) != 2 {
		t.Errorf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A refused refresh: the run fails with InvalidAccessTokenError and the
	// connection asks for authorization again.
	srv.Lock()
	srv.Misbehave.RefuseRefresh = true
	srv.ExpiresIn = 0
	srv.Unlock()
	srv.Expire()
	r = h.run("", "run", bp, "--json", "--connection", "4711=api")
	if r.code != 1 || !strings.Contains(r.stdout, `"type": "InvalidAccessTokenError"`) {
		t.Errorf("refused refresh: exit %d\n%s", r.code, r.stdout)
	}
	v = nil
	_ = json.Unmarshal([]byte(h.ok("", "connections", "show", "api", "--json")), &v)
	if v["status"] != "needs-authorization" {
		t.Errorf("status %v", v["status"])
	}
	if got := h.ok("", "connections", "list"); !strings.Contains(got, "api   oauth2  needs-authorization") {
		t.Errorf("list:\n%s", got)
	}
}

func TestOAuth2ClientCredentialsNeedsNoAuthorize(t *testing.T) {
	t.Parallel()
	srv := oauth.NewTest(t, "svc", "svc-s3cret")
	h := newHome(t, "svc-s3cret", "access-1")
	out := h.ok("", "connections", "create", "oauth2", "svc", "--flow", "client-credentials", "--token-uri", srv.URL+"/token",
		"--client-id", "svc", "--client-secret", "svc-s3cret", "--client-auth", "basic", "--token-placement", "query")
	if out != "created oauth2 connection \"svc\"\n" {
		t.Errorf("create: %q", out)
	}
	var v map[string]any
	_ = json.Unmarshal([]byte(h.ok("", "connections", "show", "svc", "--json")), &v)
	if v["status"] != "ok" || v["expiresAt"] != nil || v["accessToken"] != "" {
		t.Errorf("before first use: %v", v)
	}
	if got := h.ok("", "connections", "test", "svc", srv.URL+"/api/me"); got != "200 OK\n" {
		t.Errorf("test: %q", got)
	}
	reqs := srv.TokenRequests()
	if len(reqs) != 1 || reqs[0].Body != "grant_type=client_credentials" || reqs[0].Header.Get("Authorization") != "Basic c3ZjOnN2Yy1zM2NyZXQ=" {
		t.Errorf("token requests: %+v", reqs)
	}
	r := h.run("", "connections", "create", "oauth2", "bad", "--flow", "code", "--client-id", "x", "--client-auth", "auto")
	want := "reqflow: connection \"bad\": authorize URI is required for the code flow\ntoken URI is required for the code flow\nclient authentication must be body or basic, got \"auto\"\n"
	if r.code != 2 || r.stderr != want {
		t.Errorf("bad create: exit %d %q", r.code, r.stderr)
	}
}
