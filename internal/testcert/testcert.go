// Package testcert generates throwaway certificates for tests: a root CA,
// an intermediate CA, server certificates for 127.0.0.1, ::1 and localhost
// (one signed by the root, one by the intermediate) and a client
// certificate for mutual TLS. Keys are ECDSA P-256, so generation takes a
// few milliseconds. Nothing here is fit for production use.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"testing"
	"time"
)

// ClientCommonName is the subject common name of Set.Client.
const ClientCommonName = "reqflow test client"

// Set is a generated certificate hierarchy.
type Set struct {
	// CAPEM is the root CA certificate; trust it to accept Server,
	// ServerViaIntermediate and Client.
	CAPEM []byte
	// CA is the parsed root CA certificate.
	CA *x509.Certificate
	// IntermediatePEM is the intermediate CA certificate (signed by the
	// root).
	IntermediatePEM []byte

	// Server is a leaf for 127.0.0.1, ::1 and localhost signed by the root.
	Server tls.Certificate
	// ServerCertPEM and ServerKeyPEM are Server in PEM form.
	ServerCertPEM, ServerKeyPEM []byte

	// ServerViaIntermediate is a leaf for the same names signed by the
	// intermediate; its chain carries the intermediate certificate.
	ServerViaIntermediate tls.Certificate

	// Client is a client-authentication certificate signed by the root.
	Client tls.Certificate
	// ClientCertPEM and ClientKeyPEM are Client in PEM form.
	ClientCertPEM, ClientKeyPEM []byte
}

// New generates a Set or fails the test.
func New(tb testing.TB) *Set {
	tb.Helper()
	s, err := Generate()
	if err != nil {
		tb.Fatalf("generating test certificates: %v", err)
	}
	return s
}

// Generate returns a new Set.
func Generate() (*Set, error) {
	now := time.Now()
	rootKey, err := newKey()
	if err != nil {
		return nil, err
	}
	rootTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "reqflow test root CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	root, rootDER, err := sign(rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("creating root CA: %w", err)
	}

	interKey, err := newKey()
	if err != nil {
		return nil, err
	}
	interTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "reqflow test intermediate CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	inter, interDER, err := sign(interTmpl, root, &interKey.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("creating intermediate CA: %w", err)
	}

	s := &Set{CA: root, CAPEM: certPEM(rootDER), IntermediatePEM: certPEM(interDER)}

	s.Server, s.ServerCertPEM, s.ServerKeyPEM, err = leaf(serverTemplate(now), root, rootKey, nil)
	if err != nil {
		return nil, fmt.Errorf("creating server certificate: %w", err)
	}
	s.ServerViaIntermediate, _, _, err = leaf(serverTemplate(now), inter, interKey, interDER)
	if err != nil {
		return nil, fmt.Errorf("creating server certificate via intermediate: %w", err)
	}
	clientTmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: ClientCommonName},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	s.Client, s.ClientCertPEM, s.ClientKeyPEM, err = leaf(clientTmpl, root, rootKey, nil)
	if err != nil {
		return nil, fmt.Errorf("creating client certificate: %w", err)
	}
	return s, nil
}

// ServerTLSConfig returns a server configuration presenting s.Server; with
// requireClient it demands a client certificate signed by the root.
func (s *Set) ServerTLSConfig(requireClient bool) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{s.Server}, MinVersion: tls.VersionTLS12}
	if requireClient {
		pool := x509.NewCertPool()
		pool.AddCert(s.CA)
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg
}

// Pool returns a certificate pool holding only the root CA.
func (s *Set) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.CA)
	return pool
}

func serverTemplate(now time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
}

func newKey() (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating key: %w", err)
	}
	return k, nil
}

func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) (*x509.Certificate, []byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return cert, der, nil
}

// leaf creates a certificate signed by parent; chainDER, when set, is
// appended to the returned chain.
func leaf(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, chainDER []byte) (tls.Certificate, []byte, []byte, error) {
	key, err := newKey()
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	cert, der, err := sign(tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, nil, err
	}
	chain := [][]byte{der}
	if chainDER != nil {
		chain = append(chain, chainDER)
	}
	tc := tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: cert}
	return tc, certPEM(der), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
