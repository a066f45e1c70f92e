package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/modules/httpapp"
	"github.com/reqflow/reqflow/store"
)

// openStore opens the store in $REQFLOW_HOME (or the XDG data folder)
// with the master key from $REQFLOW_MASTER_KEY or the key file.
func openStore(ctx context.Context, s *streams) (*connections.Manager, error) {
	dir, err := store.DefaultDir(s.env)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Options{Dir: dir, MasterKey: s.env[store.EnvMasterKey]})
	if err != nil {
		return nil, err
	}
	return connections.NewManager(st), nil
}

// withStore runs fn with an open manager and closes the store after.
func withStore(ctx context.Context, s *streams, fn func(m *connections.Manager) error) error {
	m, err := openStore(ctx, s)
	if err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	defer m.Store().Close()
	return fn(m)
}

// storeErr turns a store error into the command's exit: a missing or taken
// name is bad usage.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExists) {
		return &exitError{code: ExitUsage, err: err}
	}
	return &exitError{code: ExitFailed, err: err}
}

func newConnectionsCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "connections",
		Aliases: []string{"connection", "conn"},
		Short:   "Manage stored connections (basic, API key, OAuth 2.0, client certificate)",
		Long: `Manage the connections stored in $REQFLOW_HOME (default: the XDG data folder,
reqflow/). Secrets are sealed with AES-256-GCM under $REQFLOW_MASTER_KEY or a
key file created with mode 0600 on first use; nothing prints them.

A blueprint names connections by Make's ids; map them when running:
  reqflow run scenario.json --connection 71843=my-api`,
	}
	create := &cobra.Command{
		Use:   "create basic|apikey|oauth2|cert NAME [flags]",
		Short: "Create a connection",
	}
	create.AddCommand(newCreateBasicCmd(s), newCreateAPIKeyCmd(s), newCreateCertCmd(s), newCreateOAuth2Cmd(s))
	cmd.AddCommand(create, newConnListCmd(s), newConnShowCmd(s), newConnDeleteCmd(s), newConnTestCmd(s), newConnAuthorizeCmd(s))
	return cmd
}

// secretFlag reads a secret flag value; "-" reads it from standard input
// (the first line), keeping it out of the process list and shell history.
func secretFlag(s *streams, name, v string) (string, error) {
	if v != "-" {
		return v, nil
	}
	b, err := io.ReadAll(io.LimitReader(s.stdin, 1<<20))
	if err != nil {
		return "", usageErr("--%s -: reading standard input: %w", name, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

func createConnection(cmd *cobra.Command, s *streams, c *connections.Connection) error {
	return withStore(cmd.Context(), s, func(m *connections.Manager) error {
		if err := c.Validate(); err != nil {
			return usageErr("%v", err)
		}
		if err := m.Create(cmd.Context(), c); err != nil {
			return storeErr(err)
		}
		fmt.Fprintf(s.stdout, "created %s connection %q\n", c.Kind, c.Name)
		if c.Kind == connections.KindOAuth2 && c.OAuth2.Flow != connections.FlowClientCredentials {
			fmt.Fprintf(s.stdout, "next: reqflow connections authorize %s\n", c.Name)
		}
		return nil
	})
}

func newCreateBasicCmd(s *streams) *cobra.Command {
	var user, pass string
	cmd := &cobra.Command{
		Use:     "basic NAME --username U --password P",
		Short:   "Create a basic-auth connection (Make's basic auth keychain)",
		Example: `  reqflow connections create basic afk --username ada --password -   # password on stdin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := secretFlag(s, "password", pass)
			if err != nil {
				return err
			}
			return createConnection(cmd, s, &connections.Connection{Name: args[0], Kind: connections.KindBasic,
				Basic: &connections.Basic{Username: user, Password: connections.Secret(p)}})
		},
	}
	cmd.Flags().StringVar(&user, "username", "", "the user name")
	cmd.Flags().StringVar(&pass, "password", "", `the password ("-" reads it from standard input)`)
	return cmd
}

func newCreateAPIKeyCmd(s *streams) *cobra.Command {
	var key, placement, name string
	cmd := &cobra.Command{
		Use:   "apikey NAME --key K --placement header|qs --name HEADER_OR_PARAM",
		Short: "Create an API-key connection (Make's API key keychain)",
		Example: `  reqflow connections create apikey stripe --key - --placement header --name Authorization
  reqflow connections create apikey maps --key K --placement qs --name api_key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := secretFlag(s, "key", key)
			if err != nil {
				return err
			}
			return createConnection(cmd, s, &connections.Connection{Name: args[0], Kind: connections.KindAPIKey,
				APIKey: &connections.APIKey{Key: connections.Secret(k), Placement: placement, Name: name}})
		},
	}
	cmd.Flags().StringVar(&key, "key", "", `the API key ("-" reads it from standard input)`)
	cmd.Flags().StringVar(&placement, "placement", connections.PlacementHeader, "where the key goes: header or qs (query string)")
	cmd.Flags().StringVar(&name, "name", "", "the header or query parameter name")
	return cmd
}

// certFlags are the flags of `connections create cert` and `keys add cert`.
type certFlags struct {
	cert, key, keyPassword, p12, p12Password string
}

func (f *certFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.cert, "cert", "", "PEM certificate file (the chain may follow the leaf)")
	cmd.Flags().StringVar(&f.key, "key", "", "PEM private key file (PKCS#8, PKCS#1, EC, or encrypted PKCS#8)")
	cmd.Flags().StringVar(&f.keyPassword, "key-password", "", `password of an encrypted private key ("-" reads it from standard input)`)
	cmd.Flags().StringVar(&f.p12, "p12", "", "PKCS#12 file (.p12, .pfx) holding the certificate and key")
	cmd.Flags().StringVar(&f.p12Password, "p12-password", "", `password of the PKCS#12 file ("-" reads it from standard input)`)
}

func (f *certFlags) load(s *streams) (*connections.Cert, error) {
	switch {
	case f.p12 != "" && (f.cert != "" || f.key != ""):
		return nil, usageErr("give either --cert and --key, or --p12")
	case f.p12 != "":
		data, err := os.ReadFile(f.p12)
		if err != nil {
			return nil, usageErr("--p12: %w", err)
		}
		pw, err := secretFlag(s, "p12-password", f.p12Password)
		if err != nil {
			return nil, err
		}
		c, err := connections.CertFromPKCS12(data, pw)
		if err != nil {
			return nil, usageErr("--p12 %s: %w", f.p12, err)
		}
		return c, nil
	case f.cert != "" && f.key != "":
		certPEM, err := os.ReadFile(f.cert)
		if err != nil {
			return nil, usageErr("--cert: %w", err)
		}
		keyPEM, err := os.ReadFile(f.key)
		if err != nil {
			return nil, usageErr("--key: %w", err)
		}
		pw, err := secretFlag(s, "key-password", f.keyPassword)
		if err != nil {
			return nil, err
		}
		c, err := connections.CertFromPEM(certPEM, keyPEM, pw)
		if err != nil {
			return nil, usageErr("--cert %s --key %s: %w", f.cert, f.key, err)
		}
		return c, nil
	}
	return nil, usageErr("give --cert FILE and --key FILE, or --p12 FILE")
}

func newCreateCertCmd(s *streams) *cobra.Command {
	var f certFlags
	cmd := &cobra.Command{
		Use:   "cert NAME (--cert FILE --key FILE [--key-password P] | --p12 FILE [--p12-password P])",
		Short: "Create a client-certificate connection (Make's client certificate keychain)",
		Example: `  reqflow connections create cert bank --cert client.pem --key client.key
  reqflow connections create cert bank --p12 client.p12 --p12-password -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.load(s)
			if err != nil {
				return err
			}
			return createConnection(cmd, s, &connections.Connection{Name: args[0], Kind: connections.KindCert, Cert: c})
		},
	}
	f.register(cmd)
	return cmd
}

func newConnListCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List connections (without secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), s, func(m *connections.Manager) error {
				list, err := m.List(cmd.Context())
				if err != nil {
					return storeErr(err)
				}
				if asJSON {
					views := make([]map[string]any, len(list))
					for i, c := range list {
						views[i] = c.View()
					}
					return writeJSON(s.stdout, views)
				}
				tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tTYPE\tSTATUS\tEXPIRES")
				for _, c := range list {
					exp := "-"
					if !c.ExpiresAt.IsZero() {
						exp = c.ExpiresAt.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Kind, c.Status, exp)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func newConnShowCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a connection (secrets redacted)",
		Long: `Show a connection's settings. Secrets print as [redacted] (or "" when unset).
With --json: one object with "name", "type", "status" (ok or
needs-authorization), "expiresAt" (the access token's expiry, RFC 3339, or
null) and the type's settings.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), s, func(m *connections.Manager) error {
				c, err := m.Get(cmd.Context(), args[0])
				if err != nil {
					return storeErr(err)
				}
				v := c.View()
				if asJSON {
					return writeJSON(s.stdout, v)
				}
				printView(s.stdout, v)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// printView prints a connection view as "key: value" lines, name first.
func printView(w io.Writer, v map[string]any) {
	fmt.Fprintf(w, "name: %v\ntype: %v\nstatus: %v\n", v["name"], v["type"], v["status"])
	keys := make([]string, 0, len(v))
	for k := range v {
		switch k {
		case "name", "type", "status":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %s\n", k, shortJSON(v[k]))
	}
}

func newConnDeleteCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a connection",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), s, func(m *connections.Manager) error {
				if err := m.Delete(cmd.Context(), args[0]); err != nil {
					return storeErr(err)
				}
				fmt.Fprintf(s.stdout, "deleted connection %q\n", args[0])
				return nil
			})
		},
	}
}

// testModules is the module `connections test` runs for each kind, and
// the parameter that names the connection.
var testModules = map[connections.Kind][2]string{
	connections.KindBasic:  {"http:ActionSendDataBasicAuth", "key"},
	connections.KindAPIKey: {"http:ActionSendDataAPIKeyAuth", "auth"},
	connections.KindOAuth2: {"http:ActionSendDataAdvanced", "__IMTCONN__"},
	connections.KindCert:   {"http:ActionSendDataClientCertAuth", "key"},
}

func newConnTestCmd(s *streams) *cobra.Command {
	var method string
	cmd := &cobra.Command{
		Use:   "test NAME URL",
		Short: "Send one request with a connection and print the response status",
		Long: `Send one request to URL with the connection's credentials, exactly as the
connection's HTTP module would (OAuth 2.0 tokens are refreshed as needed).
Prints the status line; exits 0 for a 2xx or 3xx status, 1 otherwise.`,
		Example: `  reqflow connections test github https://api.github.com/user`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			return withStore(ctx, s, func(m *connections.Manager) error {
				return testConnection(ctx, s, m, args[0], args[1], method)
			})
		},
	}
	cmd.Flags().StringVar(&method, "method", "get", "the HTTP method")
	return cmd
}

func testConnection(ctx context.Context, s *streams, m *connections.Manager, name, url, method string) error {
	c, err := m.Get(ctx, name)
	if err != nil {
		return storeErr(err)
	}
	mod := testModules[c.Kind]
	bp := &blueprint.Blueprint{Name: "connection test", Flow: []*blueprint.Module{{
		ID: 1, Module: mod[0], Version: 3,
		Parameters: map[string]any{mod[1]: "test", "handleErrors": false},
		Mapper:     map[string]any{"url": url, "method": strings.ToLower(method), "parseResponse": false},
	}}}
	reg := engine.NewRegistry()
	resolver := connections.NewManagerResolver(map[string]string{"test": name}, m)
	if err := httpapp.Register(reg, httpclient.New(), httpapp.WithConnections(resolver)); err != nil {
		return err
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{})
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	x, err := sc.Run(ctx, engine.RunOptions{})
	if err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	if x.Err != nil {
		return &exitError{code: ExitFailed, err: fmt.Errorf("%s: %s", x.Err.Type, x.Err.Message)}
	}
	out := x.Modules[0].Operations[0].Outputs[0]
	code, _ := out["statusCode"].(int)
	fmt.Fprintf(s.stdout, "%d %s\n", code, http.StatusText(code))
	if code < 200 || code > 399 {
		return &exitError{code: ExitFailed}
	}
	return nil
}

// parseConnections parses repeated --connection ID=NAME flags.
func parseConnections(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		id, name, ok := strings.Cut(kv, "=")
		id, name = strings.TrimSpace(id), strings.TrimSpace(name)
		if !ok || id == "" || name == "" {
			return nil, usageErr("--connection %q: expected ID=NAME (a blueprint's connection id and a stored connection)", kv)
		}
		out[id] = name
	}
	return out, nil
}

// connectionResolver returns the run's resolver, which opens the store the
// first time a module needs it, and a function that closes the store.
func connectionResolver(s *streams, ids map[string]string) (*connections.Resolver, func()) {
	var m *connections.Manager
	r := connections.NewResolver(ids, func(ctx context.Context) (*connections.Manager, error) {
		var err error
		m, err = openStore(ctx, s)
		return m, err
	})
	return r, func() {
		if m != nil {
			_ = m.Store().Close()
		}
	}
}

// kvFlags parses repeated K=V flags.
func kvFlags(flag string, list []string) ([]connections.Param, error) {
	var out []connections.Param
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageErr("--%s %q: expected K=V", flag, kv)
		}
		out = append(out, connections.Param{Name: strings.TrimSpace(k), Value: v})
	}
	return out, nil
}

func newCreateOAuth2Cmd(s *streams) *cobra.Command {
	o := &connections.OAuth2{}
	var secret string
	var authParams, tokenParams, refreshParams, tokenHeaders []string
	cmd := &cobra.Command{
		Use:   "oauth2 NAME --flow code|implicit|client-credentials --authorize-uri U --token-uri U --client-id ID [flags]",
		Short: "Create an OAuth 2.0 connection",
		Long: `Create an OAuth 2.0 connection (Make's "HTTP OAuth 2.0" connection). The code
and implicit flows need "reqflow connections authorize NAME" next; a
client-credentials connection fetches its token on first use.

Client authentication for token requests is in the body (client_id and
client_secret form fields, as Make does) unless --client-auth basic; it is
never guessed by trial. Token requests send Accept: application/json and the
--token-header headers. The redirect URI to register with the provider is
http://127.0.0.1:PORT/oauth/cb/oauth2, PORT being --redirect-port (by default
any free port, chosen when you authorize).`,
		Example: `  reqflow connections create oauth2 google --flow code --pkce \
    --authorize-uri https://accounts.google.com/o/oauth2/v2/auth \
    --token-uri https://oauth2.googleapis.com/token \
    --client-id ID --client-secret - --scope https://www.googleapis.com/auth/drive.readonly \
    --authorize-param access_type=offline --authorize-param prompt=consent --redirect-port 8765
  reqflow connections create oauth2 billing --flow client-credentials \
    --token-uri https://auth.example.com/token --client-id ID --client-secret - --client-auth basic`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, err := secretFlag(s, "client-secret", secret)
			if err != nil {
				return err
			}
			o.ClientSecret = connections.Secret(cs)
			for _, f := range []struct {
				name string
				list []string
				dst  *[]connections.Param
			}{{"authorize-param", authParams, &o.AuthorizeParams}, {"token-param", tokenParams, &o.TokenParams}, {"refresh-param", refreshParams, &o.RefreshParams}} {
				if *f.dst, err = kvFlags(f.name, f.list); err != nil {
					return err
				}
			}
			h, err := kvFlags("token-header", tokenHeaders)
			if err != nil {
				return err
			}
			o.TokenHeaders = h
			return createConnection(cmd, s, &connections.Connection{Name: args[0], Kind: connections.KindOAuth2, OAuth2: o})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Flow, "flow", connections.FlowCode, "code, implicit or client-credentials")
	fl.StringVar(&o.AuthorizeURI, "authorize-uri", "", "the provider's authorize endpoint (not for client-credentials)")
	fl.StringVar(&o.TokenURI, "token-uri", "", "the provider's token endpoint (not for implicit)")
	fl.StringVar(&o.RefreshURI, "refresh-uri", "", "the endpoint for refresh requests, when not the token URI")
	fl.StringVar(&o.ClientID, "client-id", "", "the client id")
	fl.StringVar(&secret, "client-secret", "", `the client secret ("-" reads it from standard input)`)
	fl.StringArrayVar(&o.Scopes, "scope", nil, "a scope to ask for (repeatable)")
	fl.StringVar(&o.ScopeSeparator, "scope-separator", connections.DefaultScopeSeparator, "how scopes are joined: space, comma or plus")
	fl.BoolVar(&o.PKCE, "pkce", false, "use PKCE (S256) with the code flow")
	fl.StringVar(&o.ClientAuth, "client-auth", connections.ClientAuthBody, "client authentication on token requests: body or basic")
	fl.StringVar(&o.TokenPlacement, "token-placement", connections.PlaceHeader, "where requests carry the token: header, query or both")
	fl.StringVar(&o.HeaderTokenName, "header-token-name", connections.DefaultHeaderTokenName, `the scheme before the token in the Authorization header`)
	fl.StringVar(&o.QueryParamName, "query-param-name", connections.DefaultQueryParamName, "the query parameter that carries the token")
	fl.StringArrayVar(&authParams, "authorize-param", nil, "an extra authorize parameter K=V (repeatable)")
	fl.StringArrayVar(&tokenParams, "token-param", nil, "an extra access-token request parameter K=V (repeatable)")
	fl.StringArrayVar(&refreshParams, "refresh-param", nil, "an extra refresh request parameter K=V (repeatable)")
	fl.StringArrayVar(&tokenHeaders, "token-header", nil, "a header K=V sent with token requests (repeatable; kept secret)")
	fl.IntVar(&o.RedirectPort, "redirect-port", 0, "the loopback port of the redirect URI (0: any free port)")
	return cmd
}

func newConnAuthorizeCmd(s *streams) *cobra.Command {
	var noBrowser bool
	var wait time.Duration
	var port int
	cmd := &cobra.Command{
		Use:   "authorize NAME",
		Short: "Run the OAuth 2.0 flow of a connection and store its tokens",
		Long: `Run the OAuth 2.0 flow of a connection: listen on 127.0.0.1, print the
authorize URL on its own line on stdout (and open a browser unless
--no-browser), wait for the provider's redirect to
http://127.0.0.1:PORT/oauth/cb/oauth2, check its state, exchange the code
(with the PKCE verifier) and store the tokens. For the implicit flow the
callback page hands the URL fragment back to the listener. A
client-credentials connection fetches a token at once.

Exits 0 once the tokens are stored, 1 when the provider refuses, the state
does not match or --wait passes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			return withStore(ctx, s, func(m *connections.Manager) error {
				c, err := m.Authorize(ctx, args[0], connections.AuthorizeOptions{Port: port, Wait: wait, OnURL: func(u string) {
					fmt.Fprintln(s.stdout, u)
					fmt.Fprintln(s.stderr, "Open the URL above in a browser and allow access; waiting for the redirect…")
					if !noBrowser {
						openBrowser(s, u)
					}
				}})
				if err != nil {
					if errors.Is(err, store.ErrNotFound) {
						return storeErr(err)
					}
					return &exitError{code: ExitFailed, err: err}
				}
				exp := "no expiry given"
				if !c.ExpiresAt.IsZero() {
					exp = "expires " + c.ExpiresAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(s.stdout, "authorized connection %q (%s)\n", c.Name, exp)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "only print the authorize URL")
	cmd.Flags().DurationVar(&wait, "wait", connections.DefaultAuthorizeWait, "how long to wait for the redirect")
	cmd.Flags().IntVar(&port, "port", 0, "listen on this port instead of the connection's redirect port")
	return cmd
}

// openBrowser opens u in the desktop's browser when there is one; failure
// is fine, the URL is printed.
func openBrowser(s *streams, u string) {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		if s.env["DISPLAY"] == "" && s.env["WAYLAND_DISPLAY"] == "" {
			return
		}
		name = "xdg-open"
	}
	cmd := exec.Command(name, append(args, u)...)
	if err := cmd.Start(); err == nil {
		go func() { _ = cmd.Wait() }()
	}
}
