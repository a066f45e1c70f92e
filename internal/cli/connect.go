package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/reqflow/reqflow/httpclient"
)

// clientFlags are the run flags that shape how requests reach servers.
type clientFlags struct {
	connectTo []string
	caFile    string
}

// client builds the HTTP client for a run: --connect-to sends connections
// for HOST:PORT to another address while the URL, the Host header and the
// TLS server name stay as they are (curl's meaning); --ca-file trusts extra
// certificates for every request.
func (f clientFlags) client() (*httpclient.Client, error) {
	var opts []httpclient.Option
	if len(f.connectTo) > 0 {
		routes := map[string]string{}
		for _, spec := range f.connectTo {
			from, to, err := parseConnectTo(spec)
			if err != nil {
				return nil, usageErr("--connect-to %q: %v", spec, err)
			}
			routes[from] = to
		}
		var d net.Dialer
		opts = append(opts, httpclient.WithDialContext(func(ctx context.Context, network, addr string) (net.Conn, error) {
			if to, ok := routes[strings.ToLower(addr)]; ok {
				addr = to
			}
			return d.DialContext(ctx, network, addr)
		}))
	}
	if f.caFile != "" {
		pem, err := os.ReadFile(f.caFile)
		if err != nil {
			return nil, usageErr("--ca-file: %w", err)
		}
		o, err := httpclient.WithExtraCA(pem)
		if err != nil {
			return nil, usageErr("--ca-file %s: %w", f.caFile, err)
		}
		opts = append(opts, o)
	}
	return httpclient.New(opts...), nil
}

// parseConnectTo reads HOST:PORT:TARGET_HOST:TARGET_PORT; IPv6 addresses go
// in brackets. It returns the dial addresses "host:port" to match and use.
func parseConnectTo(spec string) (from, to string, err error) {
	parts, err := splitHostPorts(spec)
	if err != nil {
		return "", "", err
	}
	if len(parts) != 4 {
		return "", "", fmt.Errorf("expected HOST:PORT:TARGET_HOST:TARGET_PORT")
	}
	for _, p := range []string{parts[1], parts[3]} {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("invalid port %q", p)
		}
	}
	if parts[0] == "" || parts[2] == "" {
		return "", "", fmt.Errorf("a host is missing")
	}
	return strings.ToLower(net.JoinHostPort(parts[0], parts[1])), net.JoinHostPort(parts[2], parts[3]), nil
}

// splitHostPorts splits on colons outside brackets and drops the brackets.
func splitHostPorts(s string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	inBracket := false
	for _, r := range s {
		switch {
		case r == '[' && !inBracket:
			inBracket = true
		case r == ']' && inBracket:
			inBracket = false
		case r == ':' && !inBracket:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if inBracket {
		return nil, fmt.Errorf("unclosed [")
	}
	return append(parts, cur.String()), nil
}
