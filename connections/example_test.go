package connections_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/internal/testserver/oauth"
	"github.com/reqflow/reqflow/store"
)

// A Secret prints redacted; Reveal is for the wire only.
func ExampleSecret() {
	s := connections.Secret("hunter2")
	fmt.Println(s, fmt.Sprintf("%v %+v", s, connections.Basic{Username: "ada", Password: s}))
	fmt.Println(s.Reveal())
	// Output:
	// [redacted] [redacted] {Username:ada Password:[redacted]}
	// hunter2
}

// A client-credentials connection fetches its token on first use; later
// calls reuse it until a minute before it expires.
func ExampleManager_AccessToken() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "reqflow-example")
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, store.Options{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	provider := oauth.New("svc", "secret") // a test authorization server
	srv := startLoopback(provider)
	defer srv.Close()

	m := connections.NewManager(st)
	err = m.Create(ctx, &connections.Connection{Name: "billing", Kind: connections.KindOAuth2, OAuth2: &connections.OAuth2{
		Flow: connections.FlowClientCredentials, TokenURI: srv.URL + "/token", ClientID: "svc", ClientSecret: "secret",
	}})
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		c, err := m.AccessToken(ctx, "billing", "")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.Status, c.OAuth2.Token.AccessToken.Reveal(), c.OAuth2.Token.TokenType)
	}
	fmt.Println("token requests:", len(provider.TokenRequests()))
	// Output:
	// ok access-1 Bearer
	// ok access-1 Bearer
	// token requests: 1
}
