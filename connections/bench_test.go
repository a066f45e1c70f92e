package connections

import (
	"context"
	"testing"

	"github.com/reqflow/reqflow/internal/testserver/oauth"
)

// benchSetup stores an oauth2 client-credentials connection with a token.
func benchSetup(b *testing.B) (*Manager, *oauth.Server) {
	b.Helper()
	srv := oauth.NewTest(b, "c", "s")
	m := NewManager(openStore(b, b.TempDir()))
	o := &OAuth2{Flow: FlowClientCredentials, TokenURI: srv.URL + "/token", ClientID: "c", ClientSecret: "s"}
	if err := m.Create(context.Background(), &Connection{Name: "api", Kind: KindOAuth2, OAuth2: o}); err != nil {
		b.Fatal(err)
	}
	if _, err := m.AccessToken(context.Background(), "api", ""); err != nil {
		b.Fatal(err)
	}
	return m, srv
}

// BenchmarkAccessTokenCached is the cost every OAuth 2.0 request pays
// while its token is fresh (kept in memory).
func BenchmarkAccessTokenCached(b *testing.B) {
	m, _ := benchSetup(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.AccessToken(ctx, "api", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccessTokenCachedParallel reads the same token from every core.
func BenchmarkAccessTokenCachedParallel(b *testing.B) {
	m, _ := benchSetup(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.AccessToken(ctx, "api", ""); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkStoreRead is the cost of reading the connection from SQLite
// and opening its sealed secret, paid when a token is due for renewal.
func BenchmarkStoreRead(b *testing.B) {
	m, _ := benchSetup(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Get(ctx, "api"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefresh forces a refresh each time (a 401 on the current
// token): store lock, re-read, token request over loopback, save.
func BenchmarkRefresh(b *testing.B) {
	m, _ := benchSetup(b)
	ctx := context.Background()
	c, _ := m.AccessToken(ctx, "api", "")
	tok := c.OAuth2.Token.AccessToken
	for b.Loop() {
		c, err := m.AccessToken(ctx, "api", tok)
		if err != nil {
			b.Fatal(err)
		}
		tok = c.OAuth2.Token.AccessToken
	}
}
