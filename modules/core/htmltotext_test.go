package core

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, html string
		upper      bool
		want       string
	}{
		{"plain", "just   text\n here", true, "just text here"},
		{"paragraphs", "<p>one</p><p>two</p>", true, "one\n\ntwo"},
		{"divs", "<div>a</div><div>b</div>text", true, "a\nb\ntext"},
		{"heading kept", "<h3>Hello <em>you</em></h3>after", false, "Hello you\n\nafter"},
		{"heading upper", "<h3>Hello <em>you</em></h3>after", true, "HELLO YOU\n\nafter"},
		{"br", "a<br>b<br/>c", true, "a\nb\nc"},
		{"list", "<p>Items:</p><ul><li>one</li><li>two <b>bold</b></li></ul><p>end</p>", true, "Items:\n\n* one\n* two bold\n\nend"},
		{"link same as text", `<a href="https://x.example/">https://x.example/</a>`, true, "https://x.example/"},
		{"link anchor", `<a href="#top">top</a>`, true, "top"},
		{"link", `see <a href="/docs">the docs</a> now`, true, "see the docs [/docs] now"},
		{"link in heading", `<h2><a href="/jobs/~01ab/">Bot dev</a></h2>`, true, "BOT DEV [/JOBS/~01AB/]"},
		{"link in heading kept", `<h2><a href="/jobs/~01ab/">Bot dev</a></h2>`, false, "Bot dev [/jobs/~01ab/]"},
		{"entities", "caf&eacute; &lt;tag&gt; &amp; &#x1F600;", true, "café <tag> & 😀"},
		{"dropped", "<head><title>T</title><style>p{}</style></head><body><script>x()</script>body<noscript>n</noscript></body>", true, "body"},
		{"pre", "<pre>a  b\n  c</pre>after", true, "a  b\n  c\n\nafter"},
		{"table", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", true, "a b\nc d"},
		{"hr", "a<hr>b", true, "a\n\n-------\n\nb"},
		{"inline spaces", "a<b> b </b>c", true, "a b c"},
		{"empty", "", true, ""},
		{"unclosed", "<p>open <b>bold", true, "open bold"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := HTMLToText(c.html, c.upper); got != c.want {
				t.Errorf("HTMLToText(%q)\n got %q\nwant %q", c.html, got, c.want)
			}
		})
	}
}

// FuzzHTMLToText checks that any input gives valid text without trailing
// spaces or more than one blank line in a row outside <pre>.
func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"<p>a</p>", "<ul><li>x<li>y</ul>", "<a href=x>y</a>", "<pre>\n\n\n</pre>", "<h1>é</h1>", "<<>>&amp", "<script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := HTMLToText(src, true)
		if utf8.ValidString(src) && !utf8.ValidString(out) {
			t.Errorf("invalid UTF-8 from %q: %q", src, out)
		}
		if strings.HasPrefix(out, "\n") || strings.HasSuffix(out, "\n") {
			t.Errorf("leading or trailing line break from %q: %q", src, out)
		}
		if !strings.Contains(strings.ToLower(src), "<pre") && strings.Contains(out, "\n\n\n") {
			t.Errorf("two blank lines from %q: %q", src, out)
		}
	})
}

// FuzzDecodeJSON checks that Parse JSON accepts exactly the texts that are
// one valid JSON value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2]`, `1 2`, `{"a":`, ` "x" `, `9007199254740993`, `{} x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		_, err := decodeJSON(text)
		if valid := json.Valid([]byte(text)); valid != (err == nil) {
			t.Errorf("decodeJSON(%q) error %v, json.Valid %v", text, err, valid)
		}
	})
}
