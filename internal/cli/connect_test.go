package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/internal/testcert"
)

func TestConnectToKeepsURLHostAndTLSName(t *testing.T) {
	t.Parallel()
	certs := testcert.New(t)
	var host string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host = r.Host
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"sni": %q}`, r.TLS.ServerName)
	}))
	srv.TLS = certs.ServerTLSConfig(false)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndex(port, ":")+1:]

	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	bp := filepath.Join(dir, "prod.json")
	if err := os.WriteFile(ca, certs.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	src := `{"name": "prod", "flow": [{"id": 1, "module": "http:ActionSendData", "version": 3,
		"parameters": {"handleErrors": true}, "mapper": {"url": "https://localhost:9443/v1/ping", "parseResponse": true}}]}`
	if err := os.WriteFile(bp, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	r := reqflow(t, "", "run", bp, "--json", "--connect-to", "localhost:9443:127.0.0.1:"+port, "--ca-file", ca)
	if r.code != 0 || !strings.Contains(r.stdout, `"sni": "localhost"`) || host != "localhost:9443" {
		t.Errorf("exit %d, host %q, stdout %s, stderr %s", r.code, host, r.stdout, r.stderr)
	}
	// Without the CA the certificate is refused.
	r = reqflow(t, "", "run", bp, "--json", "--connect-to", "localhost:9443:127.0.0.1:"+port)
	if r.code != 1 || !strings.Contains(r.stdout, `"type": "ConnectionError"`) || !strings.Contains(r.stdout, "certificate") {
		t.Errorf("without CA: exit %d, stdout %s", r.code, r.stdout)
	}
}

func TestConnectToRejectsBadSpecs(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]string{
		"a:1:b":            "expected HOST:PORT:TARGET_HOST:TARGET_PORT",
		"a:x:b:2":          `invalid port "x"`,
		"[::1:1:b:2":       "unclosed [",
		":443:127.0.0.1:1": "a host is missing",
	} {
		r := reqflow(t, "", "run", "testdata/two-requests.json", "--connect-to", spec)
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q", spec, r.code, r.stderr)
		}
	}
	if from, to, err := parseConnectTo("[::1]:443:[fe80::1]:8443"); err != nil || from != "[::1]:443" || to != "[fe80::1]:8443" {
		t.Errorf("ipv6: %q %q %v", from, to, err)
	}
	r := reqflow(t, "", "run", "testdata/two-requests.json", "--ca-file", "testdata/two-requests.json")
	if r.code != 2 || !strings.Contains(r.stderr, "no certificate found in CA PEM") {
		t.Errorf("bad CA: exit %d, stderr %q", r.code, r.stderr)
	}
}
