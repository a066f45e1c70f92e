package httpclient

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// BuildURL turns a user-supplied URL and query items into the URL that is
// sent, the way Make's HTTP module does:
//
//   - the scheme must be http or https and the host non-empty;
//   - an IDN host is converted to punycode;
//   - spaces, control characters, non-ASCII bytes, a lone '%' and the
//     characters Node's url module escapes (" ' < > \ ^ ` { | }) are
//     percent-encoded in the path and the query, while an existing valid
//     %XX is kept, so the request line is never malformed and nothing is
//     encoded twice;
//   - with serialize (Make's "Serialize URL") every character of a path
//     segment other than unreserved ones and %XX is percent-encoded too;
//   - the existing query is kept as it is (apart from the escaping above)
//     and query is appended after it with [EncodeQuery];
//   - a fragment is dropped (it is never sent).
//
// Errors are *Error of kind KindConfig and name the URL (without user info).
func BuildURL(rawURL string, query []Param, useQuerystring, serialize bool) (string, error) {
	u, err := buildURL(rawURL, serialize)
	if err != nil {
		return "", configError("parsing url", redactURL(rawURL), err)
	}
	if q := EncodeQuery(query, useQuerystring); q != "" {
		switch {
		case !strings.Contains(u, "?"):
			u += "?" + q
		case strings.HasSuffix(u, "?") || strings.HasSuffix(u, "&"):
			u += q
		default:
			u += "&" + q
		}
	}
	return u, nil
}

func buildURL(raw string, serialize bool) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("empty url")
	}
	i := strings.Index(s, "://")
	if i <= 0 {
		return "", errors.New("missing scheme (want http:// or https://)")
	}
	scheme := strings.ToLower(s[:i])
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("unsupported scheme %q (want http or https)", truncate(scheme, 32))
	}
	rest := s[i+3:]
	if j := strings.IndexByte(rest, '#'); j >= 0 {
		rest = rest[:j]
	}
	authEnd := strings.IndexAny(rest, "/?")
	if authEnd < 0 {
		authEnd = len(rest)
	}
	authority, tail := rest[:authEnd], rest[authEnd:]
	userinfo := ""
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo, authority = authority[:at], authority[at+1:]
	}
	host, err := normalizeHost(authority)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(scheme)
	b.WriteString("://")
	if userinfo != "" {
		escapeInto(&b, userinfo, userinfoKeep)
		b.WriteByte('@')
	}
	b.WriteString(host)
	path, query, hasQuery := strings.Cut(tail, "?")
	if path == "" {
		path = "/"
	}
	if serialize {
		for k, seg := range strings.Split(path, "/") {
			if k > 0 {
				b.WriteByte('/')
			}
			escapeInto(&b, seg, unreservedOnly)
		}
	} else {
		escapeInto(&b, path, pathKeep)
	}
	if hasQuery {
		b.WriteByte('?')
		escapeInto(&b, query, queryKeep)
	}
	return b.String(), nil
}

// normalizeHost validates host[:port] and converts an IDN host to punycode.
func normalizeHost(authority string) (string, error) {
	if authority == "" {
		return "", errors.New("empty host")
	}
	host, port := authority, ""
	if strings.HasPrefix(authority, "[") {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return "", errors.New("missing ']' in IPv6 host")
		}
		host, port = authority[:end+1], authority[end+1:]
		if end == 1 {
			return "", errors.New("empty host")
		}
		for _, c := range []byte(host[1:end]) {
			if !(isHex(c) || c == ':' || c == '.') {
				return "", fmt.Errorf("invalid character %q in IPv6 host", c)
			}
		}
		if ip, err := netip.ParseAddr(host[1:end]); err != nil || !ip.Is6() {
			return "", fmt.Errorf("invalid IPv6 address %q", truncate(host[1:end], 64))
		}
		if port != "" && port[0] != ':' {
			return "", errors.New("invalid port")
		}
		if port != "" {
			port = port[1:]
		} else {
			return host, nil
		}
	} else if j := strings.LastIndexByte(authority, ':'); j >= 0 {
		host, port = authority[:j], authority[j+1:]
		if host == "" {
			return "", errors.New("empty host")
		}
		if port == "" {
			port = "-" // "host:" is written as "host"
		}
	}
	if port != "" && port != "-" {
		if len(port) > 5 {
			return "", fmt.Errorf("invalid port %q", truncate(port, 16))
		}
		for _, c := range []byte(port) {
			if c < '0' || c > '9' {
				return "", fmt.Errorf("invalid port %q", truncate(port, 16))
			}
		}
	}
	if !strings.HasPrefix(host, "[") {
		ascii := true
		for _, c := range []byte(host) {
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
		}
		if !ascii {
			if !utf8.ValidString(host) {
				return "", errors.New("host is not valid UTF-8")
			}
			h, err := idna.Lookup.ToASCII(host)
			if err != nil {
				return "", fmt.Errorf("converting host to punycode: %w", err)
			}
			host = h
		}
		if host == "" {
			return "", errors.New("empty host")
		}
		host = strings.ToLower(host)
		for _, c := range []byte(host) {
			if !(isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
				return "", fmt.Errorf("invalid character %q in host", c)
			}
		}
	}
	if port == "" || port == "-" {
		return host, nil
	}
	return host + ":" + port, nil
}

// Character classes for escapeInto.
const (
	pathKeep = iota
	queryKeep
	userinfoKeep
	unreservedOnly
)

// escapeInto writes s percent-encoding every byte not allowed by class,
// keeping valid %XX escapes.
func escapeInto(b *strings.Builder, s string, class int) {
	const hexdig = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteString(s[i : i+3])
			i += 2
			continue
		}
		if keep(c, class) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
}

func keep(c byte, class int) bool {
	if isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' {
		return true
	}
	switch class {
	case unreservedOnly:
		return false
	case userinfoKeep:
		// sub-delims and ':'; '@' and '/' would change the meaning.
		return strings.IndexByte("!$&()*+,;=:", c) >= 0
	}
	// Path and query: every printable ASCII character except those Node's
	// url module auto-escapes, '%' (handled above) and '#'.
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '"', '\'', '<', '>', '\\', '^', '`', '{', '|', '}', '%', '#':
		return false
	case '?':
		return class == queryKeep
	}
	return true
}

// escapeLocation makes a Location header value parseable by url.Parse while
// keeping its structure: only bytes that can never appear in a URL are
// encoded (the '#' fragment separator and '?' are kept).
func escapeLocation(s string) string {
	var b strings.Builder
	path, _, _ := strings.Cut(s, "#")
	p, q, hasQ := strings.Cut(path, "?")
	escapeInto(&b, p, pathKeep)
	if hasQ {
		b.WriteByte('?')
		escapeInto(&b, q, queryKeep)
	}
	return b.String()
}

// EncodeQuery serializes query items the way Make's HTTP module does with
// Node's request library. Items are grouped by name in order of first
// appearance. A name given once is written name=value. A name given more
// than once is written with indices, foo%5B0%5D=bar&foo%5B1%5D=baz (the qs
// library), unless useQuerystring is true, which writes foo=bar&foo=baz
// (Node's querystring). Names and values are percent-encoded as UTF-8,
// space as %20; qs keeps only A–Z a–z 0–9 - . _ ~ and querystring also
// keeps ! ( ) * (it keeps ' too, but request then re-parses the URL with
// url.parse, which escapes ' as %27).
func EncodeQuery(items []Param, useQuerystring bool) string {
	if len(items) == 0 {
		return ""
	}
	type group struct {
		name   string
		values []string
	}
	var groups []*group
	index := make(map[string]*group, len(items))
	for _, p := range items {
		g, ok := index[p.Name]
		if !ok {
			g = &group{name: p.Name}
			index[p.Name] = g
			groups = append(groups, g)
		}
		g.values = append(g.values, p.Value)
	}
	var b strings.Builder
	for _, g := range groups {
		for i, v := range g.values {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			name := g.name
			if len(g.values) > 1 && !useQuerystring {
				name = fmt.Sprintf("%s[%d]", g.name, i)
			}
			queryEscape(&b, name, useQuerystring)
			b.WriteByte('=')
			queryEscape(&b, v, useQuerystring)
		}
	}
	return b.String()
}

func queryEscape(b *strings.Builder, s string, querystring bool) {
	const hexdig = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
			(querystring && (c == '!' || c == '(' || c == ')' || c == '*')) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
