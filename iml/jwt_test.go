package iml

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The JWT recipe from Make's documentation, built only with IML functions:
// module 11 makes the header, 12 the payload, 16 holds the secret, and the
// signature formula joins them with HMAC-SHA256 and base64url.
const (
	jwtHeaderFormula    = `{{replace(replace(replace(base64("{""alg"":""HS256"",""typ"":""JWT""}"); "/=/g"; emptystring); "/\+/g"; "-"); "/\//g"; "_")}}`
	jwtPayloadFormula   = `{{replace(replace(replace(base64("{""iss"":""reqflow"",""sub"":""" + var.input.user + """,""exp"":" + (timestamp + 60) + "}"); "/=/g"; emptystring); "/\+/g"; "-"); "/\//g"; "_")}}`
	jwtSignatureFormula = `{{replace(replace(replace(sha256(11.header + "." + 12.payload; "base64"; 16.secret); "/=/g"; emptystring); "/\+/g"; "-"); "/\//g"; "_")}}`
)

// jwtEnv evaluates the header and payload formulas and returns an
// environment in which the signature formula can run.
func jwtEnv(t testing.TB, now time.Time, secret string) *Env {
	t.Helper()
	scope := MapScope{"var": map[string]any{"input": map[string]any{"user": "ada?>~"}}}
	env := &Env{Now: now, Scope: scope}
	header, err := MustCompile(jwtHeaderFormula).Eval(env)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	payload, err := MustCompile(jwtPayloadFormula).Eval(env)
	if err != nil {
		t.Fatalf("payload: %v", err)
	}
	scope["11"] = map[string]any{"header": header}
	scope["12"] = map[string]any{"payload": payload}
	scope["16"] = map[string]any{"secret": secret}
	return env
}

func TestJWTRecipe(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const secret = "s3cr3t-key"
	env := jwtEnv(t, now, secret)
	sig, err := MustCompile(jwtSignatureFormula).Eval(env)
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	scope := env.Scope.(MapScope)
	token := ToText(scope["11"].(map[string]any)["header"]) + "." +
		ToText(scope["12"].(map[string]any)["payload"]) + "." + ToText(sig)

	if got, want := ToText(scope["11"].(map[string]any)["header"]), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"; got != want {
		t.Errorf("header = %s, want %s", got, want)
	}
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		return []byte(secret), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now.Add(59 * time.Second) }))
	if err != nil {
		t.Fatalf("token %s does not verify: %v", token, err)
	}
	if !parsed.Valid || claims["iss"] != "reqflow" || claims["sub"] != "ada?>~" || claims["exp"] != float64(now.Unix()+60) {
		t.Errorf("claims = %#v", claims)
	}
	// One second after exp the same token is refused.
	_, err = jwt.Parse(token, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithTimeFunc(func() time.Time { return now.Add(61 * time.Second) }))
	if err == nil {
		t.Error("expired token verified")
	}
	// A different key does not verify.
	_, err = jwt.Parse(token, func(*jwt.Token) (any, error) { return []byte("other"), nil },
		jwt.WithTimeFunc(func() time.Time { return now }))
	if err == nil {
		t.Error("token verified with the wrong key")
	}
}
