package httpapp

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

// TestSecretsNeverLeak runs failing operations with every kind of
// connection and checks the log records, the report and the error text:
// no password, key, client secret or token may appear in any of them.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	s, _ := oauthAPI(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String()
	_ = ln.Close()
	echo, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		// An error page that quotes the request line and its headers.
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "bad request %s auth=%s", r.URL.RequestURI(), r.Header.Get("Authorization"))
	})
	secrets := []string{"s3cret-pass", "key-in-header", "key in/query", "key%20in%2Fquery", "cl1ent-s3cret", "revoked-rt", "expired-at", "YWRhOnMzY3JldC1wYXNz"}
	m := newManager(t, basicConn, headerConn, queryConn, oauthConn(s, func(o *connections.OAuth2) {
		o.Flow, o.AuthorizeURI = connections.FlowCode, s.URL+"/authorize"
		o.Token = &connections.Token{AccessToken: "expired-at", RefreshToken: "revoked-rt", Expiry: time.Now().Add(-time.Minute)}
	}))
	ids := map[string]string{"1": "afk", "2": "hdr", "3": "qs", "4": "api"}
	modules := []string{
		module(1, "http:ActionSendDataBasicAuth", 3, `"key": 1, "handleErrors": true`, `"url": "`+echo+`/x"`),
		module(2, "http:ActionSendDataAPIKeyAuth", 3, `"auth": 3`, `"url": "`+refused+`/x"`),
		module(3, "http:ActionSendDataAPIKeyAuth", 3, `"auth": 3, "handleErrors": true`, `"url": "`+echo+`/y"`),
		module(4, "http:ActionSendDataAdvanced", 3, `"__IMTCONN__": 4`, `"url": "`+s.URL+`/api/me"`),
		module(5, "http:MakeRequest", 4, `"authenticationType": "apiKey", "apiKeyKeychain": 2`, `"url": "`+refused+`/z"`),
	}
	for _, mod := range modules {
		var logs bytes.Buffer
		reg := engine.NewRegistry()
		if err := Register(reg, httpclient.New(), WithConnections(connections.NewManagerResolver(ids, m))); err != nil {
			t.Fatal(err)
		}
		bp, _ := blueprint.Decode([]byte(flow(mod)))
		sc, err := engine.Load(reg, bp, engine.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		x, err := sc.Run(context.Background(), engine.RunOptions{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		if x.Err == nil {
			t.Errorf("%s: no error", mod)
			continue
		}
		all := strings.Join([]string{logs.String(), marshal(t, x.Report()), x.Err.Error.Error(), fmt.Sprint(x.Err.Error.Unwrap()), fmt.Sprintf("%+v", *x.Err.Error)}, "\n")
		if !strings.Contains(logs.String(), "operation failed") {
			t.Errorf("no log record: %s", logs.String())
		}
		for _, sec := range secrets {
			if strings.Contains(all, sec) {
				t.Errorf("module %s leaks %q:\n%s", mod[:40], sec, all)
			}
		}
	}
}
