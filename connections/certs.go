package connections

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"strings"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/reqflow/reqflow/store"
)

// Key kinds, as `reqflow keys` names them.
const (
	KeyCA   = store.KindCA
	KeyCert = store.KindCert
)

// SettingMTLSCert names the store setting that holds the name of the
// instance-wide client certificate that modules with useMtls present.
const SettingMTLSCert = "mtls_cert"

// CertFromPEM builds a client certificate from a PEM certificate (chain)
// and a PEM private key: PKCS#8, PKCS#1 RSA or SEC 1 EC, or an encrypted
// PKCS#8 key ("ENCRYPTED PRIVATE KEY", PBES2 with PBKDF2 and AES-CBC or
// 3DES) opened with password. Errors never contain key material or the
// password.
func CertFromPEM(certPEM, keyPEM []byte, password string) (*Cert, error) {
	chain, err := certChainPEM(certPEM)
	if err != nil {
		return nil, err
	}
	var block *pem.Block
	for rest := keyPEM; ; {
		block, rest = pem.Decode(rest)
		if block == nil || strings.Contains(block.Type, "PRIVATE KEY") {
			break
		}
	}
	if block == nil {
		return nil, errors.New("reading private key: no PEM private key found")
	}
	var der []byte
	switch {
	case block.Type == "ENCRYPTED PRIVATE KEY":
		if password == "" {
			return nil, errors.New("reading private key: the key is encrypted; give its password")
		}
		der, err = decryptPKCS8(block.Bytes, password)
		if err != nil {
			return nil, fmt.Errorf("reading private key: %w", err)
		}
	case block.Headers["Proc-Type"] != "":
		return nil, errors.New("reading private key: legacy PEM encryption (Proc-Type) is not supported; convert the key with: openssl pkcs8 -topk8 -v2 aes256")
	default:
		der = block.Bytes
	}
	key, err := parseKey(der)
	if err != nil {
		return nil, err
	}
	return certFromParts(chain, key)
}

// CertFromPKCS12 builds a client certificate from a PKCS#12 (.p12, .pfx)
// file and its password.
func CertFromPKCS12(data []byte, password string) (*Cert, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, errors.New("reading PKCS#12: incorrect password")
		}
		return nil, fmt.Errorf("reading PKCS#12: %w", err)
	}
	chain := append([]*x509.Certificate{leaf}, cas...)
	return certFromParts(chain, key)
}

func certFromParts(chain []*x509.Certificate, key any) (*Cert, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	var certPEM bytes.Buffer
	for _, c := range chain {
		_ = pem.Encode(&certPEM, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	c := &Cert{CertPEM: certPEM.Bytes(), KeyPEM: Secret(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}
	if _, err := tls.X509KeyPair(c.CertPEM, []byte(c.KeyPEM)); err != nil {
		return nil, errors.New("the private key does not match the certificate")
	}
	describeCert(c)
	return c, nil
}

// describeCert fills Subject and NotAfter from the leaf certificate.
func describeCert(c *Cert) {
	block, _ := pem.Decode(c.CertPEM)
	if block == nil {
		return
	}
	if leaf, err := x509.ParseCertificate(block.Bytes); err == nil {
		c.Subject, c.NotAfter = leaf.Subject.String(), leaf.NotAfter.UTC()
	}
}

// certChainPEM parses every CERTIFICATE block of pemData.
func certChainPEM(pemData []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	rest := pemData
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("reading certificate %d: %w", len(chain)+1, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("reading certificate: no PEM certificate found")
	}
	return chain, nil
}

func parseKey(der []byte) (any, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("reading private key: not a PKCS#8, PKCS#1 or EC private key (wrong password?)")
}

// Object identifiers of PKCS#5 v2 (RFC 8018).
var (
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1       = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA512     = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC     = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	errUnsupportedEnc = errors.New("unsupported key encryption (expected PBES2 with PBKDF2 and AES-CBC or DES-EDE3-CBC)")
)

type encryptedPKCS8 struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Cipher pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt      []byte
	Iter      int
	KeyLength int                      `asn1:"optional"`
	PRF       pkix.AlgorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 opens an EncryptedPrivateKeyInfo (RFC 5958) protected with
// PBES2.
func decryptPKCS8(der []byte, password string) ([]byte, error) {
	var info encryptedPKCS8
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, fmt.Errorf("parsing encrypted key: %w", err)
	}
	if !info.Algo.Algorithm.Equal(oidPBES2) {
		return nil, errUnsupportedEnc
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("parsing PBES2 parameters: %w", err)
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, errUnsupportedEnc
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, fmt.Errorf("parsing PBKDF2 parameters: %w", err)
	}
	var prf func() hash.Hash
	switch {
	case len(kdf.PRF.Algorithm) == 0 || kdf.PRF.Algorithm.Equal(oidHMACSHA1):
		prf = sha1.New
	case kdf.PRF.Algorithm.Equal(oidHMACSHA256):
		prf = sha256.New
	case kdf.PRF.Algorithm.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, errUnsupportedEnc
	}
	var keyLen int
	var newBlock func([]byte) (cipher.Block, error)
	switch {
	case params.Cipher.Algorithm.Equal(oidAES128CBC):
		keyLen, newBlock = 16, aes.NewCipher
	case params.Cipher.Algorithm.Equal(oidAES192CBC):
		keyLen, newBlock = 24, aes.NewCipher
	case params.Cipher.Algorithm.Equal(oidAES256CBC):
		keyLen, newBlock = 32, aes.NewCipher
	case params.Cipher.Algorithm.Equal(oidDESEDE3CBC):
		keyLen, newBlock = 24, des.NewTripleDESCipher
	default:
		return nil, errUnsupportedEnc
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Cipher.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("parsing cipher parameters: %w", err)
	}
	if kdf.Iter <= 0 || kdf.Iter > 10_000_000 {
		return nil, fmt.Errorf("unreasonable PBKDF2 iteration count %d", kdf.Iter)
	}
	key, err := pbkdf2.Key(prf, password, kdf.Salt, kdf.Iter, keyLen)
	if err != nil {
		return nil, fmt.Errorf("deriving key: %w", err)
	}
	block, err := newBlock(key)
	if err != nil {
		return nil, fmt.Errorf("creating cipher: %w", err)
	}
	if len(iv) != block.BlockSize() || len(info.Data) == 0 || len(info.Data)%block.BlockSize() != 0 {
		return nil, errors.New("malformed encrypted key")
	}
	out := make([]byte, len(info.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, info.Data)
	// PKCS#7 padding; a wrong password almost always breaks it.
	n := int(out[len(out)-1])
	if n == 0 || n > block.BlockSize() || n > len(out) {
		return nil, errors.New("incorrect password")
	}
	for _, b := range out[len(out)-n:] {
		if int(b) != n {
			return nil, errors.New("incorrect password")
		}
	}
	return out[:len(out)-n], nil
}

// Key is a stored CA certificate or client certificate.
type Key struct {
	Name string `json:"name"`
	// Kind is KeyCA or KeyCert.
	Kind string `json:"type"`
	// Cert is the client certificate (KeyCert only).
	Cert *Cert `json:"-"`
	// CAPEM is the CA certificate (KeyCA only).
	CAPEM []byte `json:"-"`
	// Subject and NotAfter describe the (leaf) certificate.
	Subject  string `json:"subject"`
	NotAfter string `json:"notAfter,omitempty"`
	// MTLS marks the instance-wide client certificate presented by
	// modules with useMtls.
	MTLS bool `json:"mtls,omitempty"`
}

// AddCA stores a CA certificate (PEM, one or more) that every
// authenticated HTTP module and token request trusts in addition to the
// system roots.
func (m *Manager) AddCA(ctx context.Context, name string, pemData []byte) error {
	chain, err := certChainPEM(pemData)
	if err != nil {
		return fmt.Errorf("adding CA %q: %w", name, err)
	}
	var buf bytes.Buffer
	for _, c := range chain {
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return m.st.CreateKey(ctx, &store.Key{Name: name, Kind: store.KindCA, CertPEM: buf.Bytes()})
}

// AddCert stores a client certificate; with mtls it becomes the
// instance-wide certificate presented by modules with useMtls.
func (m *Manager) AddCert(ctx context.Context, name string, c *Cert, mtls bool) error {
	if err := m.st.CreateKey(ctx, &store.Key{Name: name, Kind: store.KindCert, CertPEM: c.CertPEM, Secret: []byte(c.KeyPEM.Reveal())}); err != nil {
		return err
	}
	if mtls {
		return m.st.SetSetting(ctx, SettingMTLSCert, name)
	}
	return nil
}

// Keys lists the stored keys, by name.
func (m *Manager) Keys(ctx context.Context) ([]*Key, error) {
	recs, err := m.st.Keys(ctx, "")
	if err != nil {
		return nil, err
	}
	mtls, _ := m.st.Setting(ctx, SettingMTLSCert)
	out := make([]*Key, 0, len(recs))
	for _, r := range recs {
		out = append(out, keyFrom(r, mtls))
	}
	return out, nil
}

func keyFrom(r *store.Key, mtls string) *Key {
	k := &Key{Name: r.Name, Kind: r.Kind, MTLS: r.Kind == store.KindCert && r.Name == mtls}
	if r.Kind == store.KindCert {
		k.Cert = &Cert{CertPEM: r.CertPEM, KeyPEM: Secret(r.Secret)}
		describeCert(k.Cert)
		k.Subject = k.Cert.Subject
		if !k.Cert.NotAfter.IsZero() {
			k.NotAfter = k.Cert.NotAfter.Format("2006-01-02T15:04:05Z07:00")
		}
	} else {
		k.CAPEM = r.CertPEM
		if chain, err := certChainPEM(r.CertPEM); err == nil {
			k.Subject = chain[0].Subject.String()
			k.NotAfter = chain[0].NotAfter.UTC().Format("2006-01-02T15:04:05Z07:00")
		}
	}
	return k
}

// DeleteKey removes a key (and the instance-wide mTLS setting naming it).
func (m *Manager) DeleteKey(ctx context.Context, name string) error {
	if err := m.st.DeleteKey(ctx, name); err != nil {
		return err
	}
	if v, _ := m.st.Setting(ctx, SettingMTLSCert); v == name {
		return m.st.SetSetting(ctx, SettingMTLSCert, "")
	}
	return nil
}

// TrustedCAs returns the PEM of every stored CA certificate (nil when
// there is none).
func (m *Manager) TrustedCAs(ctx context.Context) ([]byte, error) {
	recs, err := m.st.Keys(ctx, store.KindCA)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, r := range recs {
		out = append(out, r.CertPEM...)
	}
	return out, nil
}

// InstanceCertificate returns the instance-wide client certificate for
// useMtls; ok is false when none is configured.
func (m *Manager) InstanceCertificate(ctx context.Context) (tls.Certificate, bool, error) {
	name, err := m.st.Setting(ctx, SettingMTLSCert)
	if errors.Is(err, store.ErrNotFound) {
		return tls.Certificate{}, false, nil
	}
	if err != nil {
		return tls.Certificate{}, false, err
	}
	r, err := m.st.Key(ctx, name)
	if err != nil {
		return tls.Certificate{}, false, err
	}
	tc, err := (&Cert{CertPEM: r.CertPEM, KeyPEM: Secret(r.Secret)}).TLSCertificate()
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("key %q: %w", name, err)
	}
	return tc, true, nil
}
