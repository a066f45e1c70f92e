package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/reqflow/reqflow/internal/testcert"
)

func writeKeyFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeysAndCertConnections(t *testing.T) {
	t.Parallel()
	set := testcert.New(t)
	dir := t.TempDir()
	p12, err := pkcs12.Modern.Encode(set.Client.PrivateKey, set.Client.Leaf, nil, "p12-Secret")
	if err != nil {
		t.Fatal(err)
	}
	caFile := writeKeyFile(t, dir, "ca.pem", set.CAPEM)
	certFile := writeKeyFile(t, dir, "client.pem", set.ClientCertPEM)
	keyFile := writeKeyFile(t, dir, "client.key", set.ClientKeyPEM)
	p12File := writeKeyFile(t, dir, "client.p12", p12)
	keyBody := strings.Split(string(set.ClientKeyPEM), "\n")[1] // a line of the private key
	h := newHome(t, "p12-Secret", keyBody)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = set.ServerTLSConfig(true)
	srv.StartTLS()
	defer srv.Close()

	if got := h.ok("", "keys", "add", "ca", "root", "--file", caFile); got != "added CA \"root\"\n" {
		t.Errorf("add ca: %q", got)
	}
	if got := h.ok("p12-Secret\n", "keys", "add", "cert", "instance", "--p12", p12File, "--p12-password", "-", "--mtls"); got != "added client certificate \"instance\" (CN=reqflow test client)\nmodules with useMtls now present it\n" {
		t.Errorf("add cert: %q", got)
	}
	r := h.run("", "keys", "add", "cert", "bad", "--p12", p12File, "--p12-password", "wrong")
	if r.code != 2 || r.stderr != "reqflow: --p12 "+p12File+": reading PKCS#12: incorrect password\n" {
		t.Errorf("wrong password: exit %d %q", r.code, r.stderr)
	}
	r = h.run("", "keys", "add", "cert", "bad", "--cert", certFile)
	if r.code != 2 || r.stderr != "reqflow: give --cert FILE and --key FILE, or --p12 FILE\n" {
		t.Errorf("missing key: exit %d %q", r.code, r.stderr)
	}
	var keys []map[string]any
	if err := json.Unmarshal([]byte(h.ok("", "keys", "list", "--json")), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0]["name"] != "instance" || keys[0]["mtls"] != true || keys[0]["type"] != "cert" ||
		keys[1]["name"] != "root" || keys[1]["subject"] != "CN=reqflow test root CA" {
		t.Errorf("keys list --json: %v", keys)
	}
	if got := h.ok("", "keys", "list"); !strings.HasPrefix(got, "NAME      TYPE  SUBJECT                  NOT AFTER") || !strings.Contains(got, "yes\n") {
		t.Errorf("keys list:\n%s", got)
	}

	h.ok("", "connections", "create", "cert", "bank", "--cert", certFile, "--key", keyFile)
	if got := h.ok("", "connections", "test", "bank", srv.URL); got != "200 OK\n" {
		t.Errorf("connections test: %q", got)
	}
	var v map[string]any
	_ = json.Unmarshal([]byte(h.ok("", "connections", "show", "bank", "--json")), &v)
	if v["privateKey"] != "[redacted]" || v["subject"] != "CN=reqflow test client" || v["type"] != "cert" {
		t.Errorf("show: %v", v)
	}

	// useMtls through run, trusting the server through the stored CA.
	bp := writeKeyFile(t, dir, "mtls.json", []byte(`{"name": "mtls", "flow": [{"id": 1, "module": "http:ActionSendData", "version": 3,
		"mapper": {"url": "`+srv.URL+`/", "useMtls": true}}]}`))
	r = h.run("", "run", bp, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"data": "reqflow test client"`) {
		t.Errorf("run useMtls: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	certBP := writeKeyFile(t, dir, "cert.json", []byte(`{"name": "cert", "flow": [{"id": 1, "module": "http:ActionSendDataClientCertAuth", "version": 3,
		"parameters": {"key": 31}, "mapper": {"url": "`+srv.URL+`/"}}]}`))
	r = h.run("", "run", certBP, "--json", "--connection", "31=bank")
	if r.code != 0 || !strings.Contains(r.stdout, `"data": "reqflow test client"`) {
		t.Errorf("run useMtls: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	h.ok("", "keys", "delete", "instance")
	r = h.run("", "run", bp)
	if r.code != 2 || !strings.Contains(r.stderr, `field "useMtls": useMtls: no instance-wide client certificate is configured`) {
		t.Errorf("run without instance cert: exit %d %s", r.code, r.stderr)
	}
	r = h.run("", "keys", "delete", "instance")
	if r.code != 2 || r.stderr != "reqflow: key \"instance\": not found\n" {
		t.Errorf("delete again: exit %d %q", r.code, r.stderr)
	}
}
