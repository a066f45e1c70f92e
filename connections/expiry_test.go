package connections

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reqflow/reqflow/internal/testserver/oauth"
	"github.com/reqflow/reqflow/store"
)

// handlerTransport serves requests with a handler in memory, so the token
// server runs inside a synctest bubble.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, r)
	return w.Result(), nil
}

// TestRefreshBeforeExpiry uses a fake clock: a token of one hour is used
// as is until a minute before it expires, then refreshed once.
func TestRefreshBeforeExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		srv := oauth.New("client-1", "secret")
		st, err := store.Open(ctx, store.Options{Dir: t.TempDir(), MasterKey: testKey})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		m := NewManager(st, WithHTTPClient(&http.Client{Transport: handlerTransport{srv.Handler()}}))
		o := &OAuth2{Flow: FlowClientCredentials, TokenURI: "http://127.0.0.1/token", ClientID: "client-1", ClientSecret: "secret"}
		if err := m.Create(ctx, &Connection{Name: "api", Kind: KindOAuth2, OAuth2: o}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		steps := []struct {
			at     time.Duration
			want   Secret
			grants int
		}{
			{0, "access-1", 1},
			{30 * time.Minute, "access-1", 1},
			{58*time.Minute + 59*time.Second, "access-1", 1},
			{59*time.Minute + 1*time.Second, "access-2", 2},
			{90 * time.Minute, "access-2", 2},
		}
		for _, s := range steps {
			time.Sleep(time.Until(start.Add(s.at)))
			c, err := m.AccessToken(ctx, "api", "")
			if err != nil {
				t.Fatal(err)
			}
			if c.OAuth2.Token.AccessToken != s.want || srv.Grants("client_credentials") != s.grants {
				t.Errorf("at %v: token %q after %d grants, want %q after %d", s.at, c.OAuth2.Token.AccessToken.Reveal(), srv.Grants("client_credentials"), s.want.Reveal(), s.grants)
			}
			if want := start.Add(s.at).Truncate(0); s.want == "access-2" && !c.ExpiresAt.Equal(start.Add(59*time.Minute+time.Second+time.Hour)) {
				t.Errorf("at %v: expires %v (now %v)", s.at, c.ExpiresAt, want)
			}
		}
	})
}
