package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestJWTRecipeThroughABlueprint runs the seed's JWT recipe as Make users
// build it — header, payload and signature formulas in three modules — and
// sends the token to a server that verifies it with golang-jwt.
func TestJWTRecipeThroughABlueprint(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t/with+chars="
	var verified []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		tok, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return []byte(secret), nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuer("key"))
		if err != nil || !tok.Valid {
			http.Error(w, "invalid token: "+fmt.Sprint(err), http.StatusUnauthorized)
			return
		}
		verified = append(verified, raw)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok": true}`)
	}))
	t.Cleanup(srv.Close)

	r := reqflow(t, "", "run", "testdata/jwt.json", "--input", "base="+srv.URL, "--input", "secret="+secret, "--json")
	if r.code != 0 || len(verified) != 1 || !strings.Contains(r.stdout, `"ok": true`) {
		t.Fatalf("exit %d, verified %d tokens\nstdout %s\nstderr %s", r.code, len(verified), r.stdout, r.stderr)
	}
	if parts := strings.Split(verified[0], "."); len(parts) != 3 || parts[0] != "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" {
		t.Errorf("token %q", verified[0])
	}
	// The same blueprint with a wrong secret is refused by the server.
	r = reqflow(t, "", "run", "testdata/jwt.json", "--input", "base="+srv.URL, "--input", "secret=wrong", "--json")
	if r.code != 1 || !strings.Contains(r.stdout, `"message": "[401] invalid token: token signature is invalid: signature is invalid"`) {
		t.Errorf("wrong secret: exit %d, stdout %s", r.code, r.stdout)
	}
}
