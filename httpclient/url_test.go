package httpclient

import (
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestBuildURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		raw            string
		query          []Param
		useQuerystring bool
		serialize      bool
		want           string
	}{
		{name: "plain", raw: "https://example.com", want: "https://example.com/"},
		{name: "scheme and host lower-cased", raw: "HTTPS://Example.COM:8443/A", want: "https://example.com:8443/A"},
		{name: "existing query kept byte for byte", raw: "http://h/p?b=%41+x&a=(1)&c=a/b?", want: "http://h/p?b=%41+x&a=(1)&c=a/b?"},
		{name: "query appended", raw: "http://h/p?x=1", query: []Param{{"a b", "c d"}}, want: "http://h/p?x=1&a%20b=c%20d"},
		{name: "query after a bare ?", raw: "http://h/p?", query: []Param{{"a", "1"}}, want: "http://h/p?a=1"},
		{name: "query after a trailing &", raw: "http://h/p?x=1&", query: []Param{{"a", "1"}}, want: "http://h/p?x=1&a=1"},
		{name: "fragment dropped before the query is added", raw: "http://h/p#f?x", query: []Param{{"a", "1"}}, want: "http://h/p?a=1"},
		{name: "plus and non-ASCII values", raw: "http://h/", query: []Param{{"q", "1+1=2 ✓"}}, want: "http://h/?q=1%2B1%3D2%20%E2%9C%93"},
		{name: "repeated keys indexed", raw: "http://h/", query: []Param{{"foo", "bar"}, {"foo", "baz"}}, want: "http://h/?foo%5B0%5D=bar&foo%5B1%5D=baz"},
		{name: "repeated keys with useQuerystring", raw: "http://h/", query: []Param{{"foo", "bar"}, {"foo", "baz"}}, useQuerystring: true, want: "http://h/?foo=bar&foo=baz"},
		{name: "empty value", raw: "http://h/", query: []Param{{"a", ""}}, want: "http://h/?a="},
		{name: "lone percent encoded, valid escapes kept", raw: "http://h/100%/%zz/%2f%E2%9C%93?p=5%&q=%20", want: "http://h/100%25/%25zz/%2f%E2%9C%93?p=5%25&q=%20"},
		{name: "spaces and controls", raw: "http://h/a b\tc?x=\x01", want: "http://h/a%20b%09c?x=%01"},
		{name: "Node auto-escaped characters", raw: "http://h/'\"<>\\^`{|}", want: "http://h/%27%22%3C%3E%5C%5E%60%7B%7C%7D"},
		{name: "reserved characters kept without serialize", raw: "http://h/a:b@c;d=e,f+g$h!i*j(k)l[m]", want: "http://h/a:b@c;d=e,f+g$h!i*j(k)l[m]"},
		{name: "serialize encodes reserved characters in segments", raw: "http://h/a:b@c;d/e f/%41", serialize: true, want: "http://h/a%3Ab%40c%3Bd/e%20f/%41"},
		{name: "IDN to punycode", raw: "http://Bücher.example/ü", want: "http://xn--bcher-kva.example/%C3%BC"},
		{name: "IPv6", raw: "http://[::1]:8080/x", want: "http://[::1]:8080/x"},
		{name: "IPv6 without port", raw: "http://[::1]", want: "http://[::1]/"},
		{name: "empty port dropped", raw: "http://h:/x", want: "http://h/x"},
		{name: "user info kept, escaped", raw: "http://us er:p@ss@h/", want: "http://us%20er:p%40ss@h/"},
		{name: "surrounding spaces trimmed", raw: "  http://h/x \n", want: "http://h/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := BuildURL(tt.raw, tt.query, tt.useQuerystring, tt.serialize)
			if err != nil {
				t.Fatalf("BuildURL: %v", err)
			}
			equal(t, "url", got, tt.want)
			if _, err := url.Parse(got); err != nil {
				t.Errorf("url.Parse: %v", err)
			}
		})
	}
}

func TestEncodeQuery(t *testing.T) {
	t.Parallel()
	items := []Param{{"b", "1"}, {"a", "x y"}, {"b", "2"}, {"b", "3"}, {"c!", "'*()~"}}
	equal(t, "qs", EncodeQuery(items, false), "b%5B0%5D=1&b%5B1%5D=2&b%5B2%5D=3&a=x%20y&c%21=%27%2A%28%29~")
	equal(t, "querystring", EncodeQuery(items, true), "b=1&b=2&b=3&a=x%20y&c!=%27*()~")
	equal(t, "empty", EncodeQuery(nil, false), "")
}

func FuzzBuildURL(f *testing.F) {
	seeds := []string{
		"http://example.com/a b?c=d#e", "https://user:pw@[::1]:8080/%zz/%41", "http://bücher.de/ü?ä=ö",
		"HTTP://H/'\"<>", "http://h:/", "http://h/\x00\x7f\xff", "https://xn--bcher-kva.example", "http://a@b@c/",
	}
	for _, s := range seeds {
		f.Add(s, "k", "v", false, false)
		f.Add(s, "k k", "v+v", true, true)
	}
	f.Fuzz(func(t *testing.T, raw, name, value string, useQuerystring, serialize bool) {
		got, err := BuildURL(raw, []Param{{name, value}, {name, value}}, useQuerystring, serialize)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil {
			t.Fatalf("BuildURL(%q) = %q, which url.Parse rejects: %v", raw, got, perr)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			t.Fatalf("BuildURL(%q) = %q: scheme %q host %q", raw, got, u.Scheme, u.Host)
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c <= ' ' || c >= 0x7f {
				t.Fatalf("BuildURL(%q) = %q: byte %#x at %d", raw, got, c, i)
			}
		}
		if strings.Contains(got, "#") {
			t.Fatalf("BuildURL(%q) = %q contains a fragment", raw, got)
		}
		// Building again is stable: nothing is encoded twice.
		again, err := BuildURL(got, nil, useQuerystring, serialize)
		if err != nil || again != got {
			t.Fatalf("BuildURL(%q) = %q, then %q, %v", raw, got, again, err)
		}
	})
}

func FuzzReorderHead(f *testing.F) {
	f.Add("GET / HTTP/1.1\r\nHost: h\r\nB: 1\r\nA: 2\r\n", "a,b")
	f.Add("POST /x HTTP/1.1\r\nHost: h\r\nUser-Agent: x\r\nContent-Length: 3\r\nx-Y: 1\r\n", "X-y,user-agent,host")
	f.Add("GET / HTTP/1.1\r\nbad line\r\n", "a")
	f.Fuzz(func(t *testing.T, head, names string) {
		var order []Header
		for _, n := range strings.Split(names, ",") {
			order = append(order, Header{Name: n})
		}
		out := string(reorderHead([]byte(head), order))
		// Lines are only moved and names only change case.
		if len(out) != len(head) {
			t.Fatalf("length changed: %q -> %q", head, out)
		}
		if sortedLines(strings.ToLower(out)) != sortedLines(strings.ToLower(head)) {
			t.Fatalf("lines changed: %q -> %q", head, out)
		}
	})
}

func sortedLines(s string) string {
	lines := strings.SplitAfter(s, "\r\n")
	slices.Sort(lines)
	return strings.Join(lines, "")
}

func TestFormBody(t *testing.T) {
	t.Parallel()
	b := FormBody([]Param{{"a", "1"}, {"a", "2"}, {"b", "x y"}})
	equal(t, "content type", b.ContentType(), "application/x-www-form-urlencoded")
	equal(t, "len", b.Len(), int64(len("a%5B0%5D=1&a%5B1%5D=2&b=x%20y")))
	rc, err := b.Open()
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	equal(t, "read error", err, nil)
	equal(t, "body", string(data), "a%5B0%5D=1&a%5B1%5D=2&b=x%20y")
}
