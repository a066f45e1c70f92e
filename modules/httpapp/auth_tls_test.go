package httpapp

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/internal/testcert"
)

// tlsServer starts a loopback HTTPS server with cfg that answers with the
// common name of the client certificate, or "anonymous".
func tlsServer(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := "anonymous"
		if len(r.TLS.PeerCertificates) > 0 {
			who = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		fmt.Fprint(w, who)
	}))
	srv.TLS = cfg
	srv.Config.ErrorLog = nil
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func certConnection(t *testing.T, name string, set *testcert.Set) *connections.Connection {
	t.Helper()
	c, err := connections.CertFromPEM(set.ClientCertPEM, set.ClientKeyPEM, "")
	if err != nil {
		t.Fatal(err)
	}
	return &connections.Connection{Name: name, Kind: connections.KindCert, Cert: c}
}

func TestClientCertificates(t *testing.T) {
	t.Parallel()
	set := testcert.New(t)
	base := tlsServer(t, set.ServerTLSConfig(true))
	ca := `"ca": ` + jsonString(string(set.CAPEM))

	m := newManager(t, certConnection(t, "client", set))
	withMTLS := newManager(t)
	cert, _ := connections.CertFromPEM(set.ClientCertPEM, set.ClientKeyPEM, "")
	if err := withMTLS.AddCert(context.Background(), "instance", cert, true); err != nil {
		t.Fatal(err)
	}
	if err := withMTLS.AddCA(context.Background(), "root", set.CAPEM); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		m        *connections.Manager
		module   string
		wantData string
		wantErr  engine.ErrorType
	}{
		{"client certificate keychain", m, module(1, "http:ActionSendDataClientCertAuth", 3, `"key": 5`, ca+`, "url": "{{var.input.base}}/"`), testcert.ClientCommonName, ""},
		{"no certificate", m, module(1, "http:ActionSendData", 3, ``, ca+`, "url": "{{var.input.base}}/"`), "", engine.ConnectionError},
		{"useMtls presents the instance certificate", withMTLS, module(1, "http:ActionSendData", 3, ``, ca+`, "url": "{{var.input.base}}/", "useMtls": true`), testcert.ClientCommonName, ""},
		{"v4 tlsType mTls", withMTLS, module(1, "http:MakeRequest", 4, `"authenticationType": "noAuth", "tlsType": "mTls"`, `"url": "{{var.input.base}}/", "parseResponse": false`), testcert.ClientCommonName, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x, err := runConns(tt.m, map[string]string{"5": "client"}, base, flow(tt.module), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" {
				if x.Err == nil || x.Err.Type != tt.wantErr {
					t.Fatalf("error = %v, want %s", x.Err, tt.wantErr)
				}
				return
			}
			if got := output(t, x, 1)["data"]; got != tt.wantData {
				t.Errorf("data = %v, want %q", got, tt.wantData)
			}
		})
	}
}

// TestStoredCAs trusts a server through a CA key of the store: a leaf
// signed by an intermediate is accepted when the server sends the
// intermediate, refused when it does not, and accepted again when the
// intermediate is stored too.
func TestStoredCAs(t *testing.T) {
	t.Parallel()
	set := testcert.New(t)
	full := set.ServerViaIntermediate
	leafOnly := tls.Certificate{Certificate: full.Certificate[:1], PrivateKey: full.PrivateKey}
	withChain := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{full}, MinVersion: tls.VersionTLS12})
	bare := tlsServer(t, &tls.Config{Certificates: []tls.Certificate{leafOnly}, MinVersion: tls.VersionTLS12})
	direct := tlsServer(t, set.ServerTLSConfig(false))

	rootOnly := newManager(t, basicConn)
	if err := rootOnly.AddCA(context.Background(), "root", set.CAPEM); err != nil {
		t.Fatal(err)
	}
	both := newManager(t, basicConn)
	if err := both.AddCA(context.Background(), "root", set.CAPEM); err != nil {
		t.Fatal(err)
	}
	if err := both.AddCA(context.Background(), "intermediate", set.IntermediatePEM); err != nil {
		t.Fatal(err)
	}
	noCA := newManager(t, basicConn)
	tests := []struct {
		name string
		m    *connections.Manager
		base string
		ok   bool
	}{
		{"leaf signed by the root", rootOnly, direct, true},
		{"no stored CA", noCA, direct, false},
		{"server sends its intermediate", rootOnly, withChain, true},
		{"server omits its intermediate", rootOnly, bare, false},
		{"intermediate stored", both, bare, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x, err := runConns(tt.m, map[string]string{"1": "afk"}, tt.base, flow(module(1, "http:ActionSendDataBasicAuth", 3, `"key": 1`, `"url": "{{var.input.base}}/"`)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.ok {
				if got := output(t, x, 1)["data"]; got != "anonymous" {
					t.Errorf("data = %v", got)
				}
				return
			}
			if x.Err == nil || x.Err.Type != engine.ConnectionError || !strings.Contains(x.Err.Message, "certificate signed by unknown authority") {
				t.Errorf("error = %v", x.Err)
			}
		})
	}
}

// TestStoredCAAddsToSystemRoots runs itself in a child process whose
// "system roots" are one private CA (SSL_CERT_FILE), with a second CA in
// the store: servers under either CA are trusted.
func TestStoredCAAddsToSystemRoots(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SSL_CERT_FILE sets the system roots on Linux only")
	}
	if os.Getenv("REQFLOW_TEST_SYSTEM_ROOTS_CHILD") == "" {
		t.Parallel()
		system, custom := testcert.New(t), testcert.New(t)
		dir := t.TempDir()
		roots := dir + "/system-roots.pem"
		if err := os.WriteFile(roots, system.CAPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		customPEM := dir + "/custom.pem"
		if err := os.WriteFile(customPEM, custom.CAPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		sysURL := tlsServer(t, system.ServerTLSConfig(false))
		customURL := tlsServer(t, custom.ServerTLSConfig(false))
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoredCAAddsToSystemRoots$", "-test.v")
		cmd.Env = append(os.Environ(), "REQFLOW_TEST_SYSTEM_ROOTS_CHILD=1", "SSL_CERT_FILE="+roots, "SSL_CERT_DIR="+dir+"/none",
			"CHILD_SYSTEM_URL="+sysURL, "CHILD_CUSTOM_URL="+customURL, "CHILD_CUSTOM_CA="+customPEM)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestStoredCAAddsToSystemRoots") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	customPEM, err := os.ReadFile(os.Getenv("CHILD_CUSTOM_CA"))
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, basicConn)
	if err := m.AddCA(context.Background(), "custom", customPEM); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{os.Getenv("CHILD_SYSTEM_URL"), os.Getenv("CHILD_CUSTOM_URL")} {
		x, err := runConns(m, map[string]string{"1": "afk"}, base, flow(module(1, "http:ActionSendDataBasicAuth", 3, `"key": 1`, `"url": "{{var.input.base}}/"`)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := output(t, x, 1)["data"]; got != "anonymous" {
			t.Errorf("%s: data = %v", base, got)
		}
	}
}
