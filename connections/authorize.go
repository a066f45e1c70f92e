package connections

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// DefaultAuthorizeWait bounds how long Authorize waits for the callback.
const DefaultAuthorizeWait = 5 * time.Minute

// AuthorizeOptions configure Authorize.
type AuthorizeOptions struct {
	// Port is the loopback listener's port; 0 uses the connection's
	// redirect port, and when that is 0 too, any free port.
	Port int
	// OnURL is called with the authorize URL once the listener is ready
	// (print it, open a browser).
	OnURL func(authorizeURL string)
	// Wait bounds the wait for the callback; 0 means DefaultAuthorizeWait.
	Wait time.Duration
}

// fragmentPath receives the URL fragment of the implicit flow, posted by
// the callback page.
const fragmentPath = RedirectPath + "/fragment"

// Authorize runs the OAuth 2.0 flow of a connection and stores its
// tokens. For the code and implicit flows it listens on 127.0.0.1, hands
// the authorize URL to opts.OnURL and waits for the provider's redirect to
// http://127.0.0.1:PORT/oauth/cb/oauth2: it checks state, exchanges the
// code (with the PKCE verifier when PKCE is on) or, for the implicit flow,
// serves a page whose script posts the URL fragment back to the listener.
// The client-credentials flow fetches a token at once.
func (m *Manager) Authorize(ctx context.Context, name string, opts AuthorizeOptions) (*Connection, error) {
	c, err := m.oauth2Connection(ctx, name)
	if err != nil {
		return nil, err
	}
	o := c.OAuth2
	if o.Flow == FlowClientCredentials {
		t, err := m.clientCredentials(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("authorizing connection %q: %w", name, err)
		}
		return c, m.saveToken(ctx, c, t)
	}
	port := opts.Port
	if port == 0 {
		port = o.RedirectPort
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("authorizing connection %q: listening for the redirect: %w", name, err)
	}
	redirectURI := fmt.Sprintf("http://127.0.0.1:%d%s", ln.Addr().(*net.TCPAddr).Port, RedirectPath)
	f := &flow{m: m, c: c, redirectURI: redirectURI, state: randomState(), done: make(chan error, 1)}
	if o.PKCE {
		f.verifier = oauth2.GenerateVerifier()
	}
	srv := &http.Server{Handler: f.handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if opts.OnURL != nil {
		opts.OnURL(f.authorizeURL())
	}
	wait := opts.Wait
	if wait <= 0 {
		wait = DefaultAuthorizeWait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case err := <-f.done:
		if err != nil {
			return nil, fmt.Errorf("authorizing connection %q: %w", name, err)
		}
		return c, nil
	case <-timer.C:
		return nil, fmt.Errorf("authorizing connection %q: no redirect within %v", name, wait)
	case <-ctx.Done():
		return nil, fmt.Errorf("authorizing connection %q: %w", name, ctx.Err())
	}
}

func randomState() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// flow is one running authorization.
type flow struct {
	m           *Manager
	c           *Connection
	redirectURI string
	state       string
	verifier    string
	done        chan error
}

// authorizeURL is the provider's authorize URI with the flow's parameters
// and the connection's extra authorize parameters.
func (f *flow) authorizeURL() string {
	o := f.c.OAuth2
	v := url.Values{"client_id": {o.ClientID}, "redirect_uri": {f.redirectURI}, "state": {f.state}, "response_type": {"code"}}
	if o.Flow == FlowImplicit {
		v.Set("response_type", "token")
	}
	if len(o.Scopes) > 0 {
		v.Set("scope", o.scope())
	}
	if f.verifier != "" {
		v.Set("code_challenge", oauth2.S256ChallengeFromVerifier(f.verifier))
		v.Set("code_challenge_method", "S256")
	}
	for _, p := range o.AuthorizeParams {
		v.Set(p.Name, p.Value)
	}
	sep := "?"
	if strings.Contains(o.AuthorizeURI, "?") {
		sep = "&"
	}
	return o.AuthorizeURI + sep + o.encode(v)
}

// finish reports the flow's outcome once.
func (f *flow) finish(err error) {
	select {
	case f.done <- err:
	default:
	}
}

func (f *flow) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+RedirectPath, f.callback)
	mux.HandleFunc("POST "+fragmentPath, f.fragment)
	return mux
}

// callback receives the provider's redirect.
func (f *flow) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("error") != "":
		err := fmt.Errorf("the provider refused: %s %s", q.Get("error"), q.Get("error_description"))
		f.page(w, http.StatusBadRequest, "Authorization failed", err.Error())
		f.finish(err)
	case q.Get("code") != "":
		if !f.checkState(w, q.Get("state")) {
			return
		}
		t, err := f.m.exchangeCode(r.Context(), f.c.OAuth2, q.Get("code"), f.redirectURI, f.verifier)
		if err == nil {
			err = f.m.saveToken(r.Context(), f.c, t)
		}
		f.result(w, err)
	case f.c.OAuth2.Flow == FlowImplicit:
		// The token is in the fragment, which browsers do not send: a
		// script posts it back.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		_, _ = io.WriteString(w, fragmentPage)
	default:
		f.page(w, http.StatusBadRequest, "Authorization failed", "the redirect carries no code")
	}
}

// fragmentPage posts location.hash to the listener.
const fragmentPage = `<!doctype html>
<meta charset="utf-8"><title>reqflow</title>
<p id="msg">Finishing authorization…</p>
<script>
fetch("` + fragmentPath + `", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"},
  body: location.hash.substring(1)})
  .then(function (r) { return r.text(); })
  .then(function (t) { history.replaceState(null, "", location.pathname); document.getElementById("msg").textContent = t; });
</script>
`

// fragment receives the implicit flow's fragment from the callback page.
func (f *flow) fragment(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "reading the fragment failed", http.StatusBadRequest)
		return
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "the fragment is not form-encoded", http.StatusBadRequest)
		return
	}
	if v.Get("error") != "" {
		err := fmt.Errorf("the provider refused: %s %s", v.Get("error"), v.Get("error_description"))
		http.Error(w, err.Error(), http.StatusBadRequest)
		f.finish(err)
		return
	}
	if !f.checkState(w, v.Get("state")) {
		return
	}
	if v.Get("access_token") == "" {
		http.Error(w, "the fragment has no access_token", http.StatusBadRequest)
		f.finish(errors.New("the redirect's fragment has no access_token"))
		return
	}
	t := &Token{AccessToken: Secret(v.Get("access_token")), TokenType: v.Get("token_type")}
	if secs := expiresIn([]byte(strconv.Quote(v.Get("expires_in")))); secs > 0 {
		t.Expiry = f.m.now().Add(time.Duration(secs) * time.Second).UTC()
	}
	err = f.m.saveToken(r.Context(), f.c, t)
	if err != nil {
		http.Error(w, "storing the token failed", http.StatusInternalServerError)
		f.finish(err)
		return
	}
	_, _ = io.WriteString(w, "Authorized. You can close this window.")
	f.finish(nil)
}

// checkState compares the redirect's state with the flow's; a mismatch
// ends the flow (it may be a forged redirect).
func (f *flow) checkState(w http.ResponseWriter, got string) bool {
	if subtle.ConstantTimeCompare([]byte(got), []byte(f.state)) == 1 {
		return true
	}
	f.page(w, http.StatusBadRequest, "Authorization failed", "the state parameter does not match")
	f.finish(errors.New("the redirect's state does not match (a forged or stale redirect)"))
	return false
}

func (f *flow) result(w http.ResponseWriter, err error) {
	if err != nil {
		f.page(w, http.StatusBadGateway, "Authorization failed", err.Error())
		f.finish(err)
		return
	}
	f.page(w, http.StatusOK, "Authorized", "reqflow stored the tokens of connection "+f.c.Name+". You can close this window.")
	f.finish(nil)
}

func (f *flow) page(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html>\n<meta charset=\"utf-8\"><title>%s</title>\n<h1>%s</h1>\n<p>%s</p>\n", html.EscapeString(title), html.EscapeString(title), html.EscapeString(msg))
}
