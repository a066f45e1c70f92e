package testcert

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestSet(t *testing.T) {
	t.Parallel()
	s := New(t)
	roots := s.Pool()
	block, _ := pem.Decode(s.IntermediatePEM)
	inter, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	intermediates := x509.NewCertPool()
	intermediates.AddCert(inter)
	tests := []struct {
		name  string
		cert  tls.Certificate
		host  string
		usage x509.ExtKeyUsage
	}{
		{"server for 127.0.0.1", s.Server, "127.0.0.1", x509.ExtKeyUsageServerAuth},
		{"server for ::1", s.Server, "::1", x509.ExtKeyUsageServerAuth},
		{"server for localhost", s.Server, "localhost", x509.ExtKeyUsageServerAuth},
		{"server via intermediate", s.ServerViaIntermediate, "127.0.0.1", x509.ExtKeyUsageServerAuth},
		{"client", s.Client, "", x509.ExtKeyUsageClientAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chains, err := tt.cert.Leaf.Verify(x509.VerifyOptions{
				DNSName: tt.host, Roots: roots, Intermediates: intermediates,
				KeyUsages: []x509.ExtKeyUsage{tt.usage},
			})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := chains[0][len(chains[0])-1].Subject.CommonName; got != "reqflow test root CA" {
				t.Errorf("chain ends at %q", got)
			}
		})
	}
	if got := len(s.ServerViaIntermediate.Certificate); got != 2 {
		t.Errorf("intermediate chain has %d certificates, want 2", got)
	}
	if got := s.Client.Leaf.Subject.CommonName; got != ClientCommonName {
		t.Errorf("client common name %q", got)
	}
	for name, pair := range map[string][2][]byte{"server": {s.ServerCertPEM, s.ServerKeyPEM}, "client": {s.ClientCertPEM, s.ClientKeyPEM}} {
		if _, err := tls.X509KeyPair(pair[0], pair[1]); err != nil {
			t.Errorf("%s PEM pair: %v", name, err)
		}
	}
	if cfg := s.ServerTLSConfig(true); cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil {
		t.Errorf("ServerTLSConfig(true) does not require client certificates")
	}
}
