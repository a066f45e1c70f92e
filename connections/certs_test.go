package connections

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/reqflow/reqflow/internal/testcert"
)

// EncryptPKCS8 is what `openssl pkcs8 -topk8 -v2 aes256 -v2prf
// hmacWithSHA256` writes: PBES2, PBKDF2 with HMAC-SHA256, AES-256-CBC.
func encryptPKCS8(t testing.TB, der []byte, password string) []byte {
	t.Helper()
	salt, iv := make([]byte, 16), make([]byte, 16)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(iv)
	key, err := pbkdf2.Key(sha256.New, password, salt, 2048, 32)
	if err != nil {
		t.Fatal(err)
	}
	pad := 16 - len(der)%16
	plain := append(append([]byte{}, der...), []byte(strings.Repeat(string(rune(pad)), pad))...)
	block, _ := aes.NewCipher(key)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, plain)
	must := func(b []byte, err error) asn1.RawValue {
		if err != nil {
			t.Fatal(err)
		}
		return asn1.RawValue{FullBytes: b}
	}
	prf := pkix.AlgorithmIdentifier{Algorithm: oidHMACSHA256, Parameters: asn1.NullRawValue}
	kdf := pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: must(asn1.Marshal(pbkdf2Params{Salt: salt, Iter: 2048, PRF: prf}))}
	enc := pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: must(asn1.Marshal(iv))}
	algo := pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: must(asn1.Marshal(pbes2Params{KDF: kdf, Cipher: enc}))}
	b, err := asn1.Marshal(encryptedPKCS8{Algo: algo, Data: out})
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: b})
}

func TestCertFormats(t *testing.T) {
	t.Parallel()
	set := testcert.New(t)
	keyDER, _ := pem.Decode(set.ClientKeyPEM)
	encrypted := encryptPKCS8(t, keyDER.Bytes, "p@ss word")
	p12, err := pkcs12.Modern.Encode(set.Client.PrivateKey, set.Client.Leaf, []*x509.Certificate{set.CA}, "p12-pass")
	if err != nil {
		t.Fatal(err)
	}
	otherKey := testcert.New(t).ClientKeyPEM
	tests := []struct {
		name    string
		load    func() (*Cert, error)
		wantErr string
		chain   int
	}{
		{"PEM with PKCS#8 key", func() (*Cert, error) { return CertFromPEM(set.ClientCertPEM, set.ClientKeyPEM, "") }, "", 1},
		{"key and certificate in one file", func() (*Cert, error) {
			both := append(append([]byte{}, set.ClientKeyPEM...), set.ClientCertPEM...)
			return CertFromPEM(both, both, "")
		}, "", 1},
		{"encrypted PKCS#8", func() (*Cert, error) { return CertFromPEM(set.ClientCertPEM, encrypted, "p@ss word") }, "", 1},
		{"encrypted PKCS#8, wrong password", func() (*Cert, error) { return CertFromPEM(set.ClientCertPEM, encrypted, "nope") }, "reading private key: incorrect password", 0},
		{"encrypted PKCS#8, no password", func() (*Cert, error) { return CertFromPEM(set.ClientCertPEM, encrypted, "") }, "reading private key: the key is encrypted; give its password", 0},
		{"PKCS#12", func() (*Cert, error) { return CertFromPKCS12(p12, "p12-pass") }, "", 2},
		{"PKCS#12, wrong password", func() (*Cert, error) { return CertFromPKCS12(p12, "x") }, "reading PKCS#12: incorrect password", 0},
		{"key of another certificate", func() (*Cert, error) { return CertFromPEM(set.ClientCertPEM, otherKey, "") }, "the private key does not match the certificate", 0},
		{"no certificate", func() (*Cert, error) { return CertFromPEM(set.ClientKeyPEM, set.ClientKeyPEM, "") }, "reading certificate: no PEM certificate found", 0},
		{"no key", func() (*Cert, error) { return CertFromPEM(set.ClientCertPEM, set.ClientCertPEM, "") }, "reading private key: no PEM private key found", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := tt.load()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != "CN="+testcert.ClientCommonName {
				t.Errorf("subject %q", c.Subject)
			}
			if n := strings.Count(string(c.CertPEM), "BEGIN CERTIFICATE"); n != tt.chain {
				t.Errorf("chain of %d certificates, want %d", n, tt.chain)
			}
			tc, err := c.TLSCertificate()
			if err != nil || tc.Leaf == nil && len(tc.Certificate) == 0 {
				t.Fatalf("TLSCertificate: %v", err)
			}
			if !strings.HasPrefix(c.KeyPEM.Reveal(), "-----BEGIN PRIVATE KEY-----") || c.KeyPEM.String() != Redacted {
				t.Error("key not kept as redacted PKCS#8")
			}
		})
	}
}

func FuzzDecryptPKCS8(f *testing.F) {
	set := testcert.New(f)
	keyDER, _ := pem.Decode(set.ClientKeyPEM)
	block, _ := pem.Decode(encryptPKCS8(f, keyDER.Bytes, "pw"))
	f.Add(block.Bytes, "pw")
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01}, "")
	f.Fuzz(func(t *testing.T, der []byte, pw string) {
		_, _ = decryptPKCS8(der, pw) // must not panic
	})
}
