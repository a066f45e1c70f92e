package parse_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"github.com/reqflow/reqflow/httpclient/parse"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        string
	}{
		{"UTF-8 default", "text/plain", []byte("naïve"), "naïve"},
		{"UTF-8 BOM removed and wins over the label", "text/plain; charset=iso-8859-1", []byte("\xEF\xBB\xBFnaïve"), "naïve"},
		{"UTF-16LE BOM", "text/plain", []byte("\xFF\xFEh\x00\xe9\x00"), "hé"},
		{"UTF-16BE BOM", "", []byte("\xFE\xFF\x00h\x00\xe9"), "hé"},
		{"ISO-8859-15 label", "text/plain; charset=ISO-8859-15", encode(t, charmap.ISO8859_15, "5 € œuvre"), "5 € œuvre"},
		{"Shift_JIS label", "text/plain; charset=shift_jis", encode(t, japanese.ShiftJIS, "日本語テキスト"), "日本語テキスト"},
		{"windows-1252 label", "text/plain; charset=windows-1252", encode(t, charmap.Windows1252, "“quotes” – dash"), "“quotes” – dash"},
		{"ISO-8859-1 label reads as windows-1252", "text/plain; charset=ISO-8859-1", []byte("\x93hi\x94 caf\xe9"), "“hi” café"},
		{"quoted label", `text/plain; charset="latin1"`, []byte("caf\xe9"), "café"},
		{"unknown label falls back to UTF-8", "text/plain; charset=x-klingon", []byte("naïve"), "naïve"},
		{"XML declaration", "text/xml", encode(t, charmap.ISO8859_1, `<?xml version="1.0" encoding='iso-8859-1'?><a>é</a>`),
			`<?xml version="1.0" encoding='iso-8859-1'?><a>é</a>`},
		{"label wins over XML declaration", "text/xml; charset=utf-8", []byte(`<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>`),
			`<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>`},
		{"XML declaration of UTF-16 on UTF-8 bytes", "text/xml", []byte(`<?xml version="1.0" encoding="UTF-16"?><a>é</a>`),
			`<?xml version="1.0" encoding="UTF-16"?><a>é</a>`},
		{"XML declaration without encoding", "text/xml", []byte("<?xml version=\"1.0\"?><a>\xe9</a>"), "<?xml version=\"1.0\"?><a>\uFFFD</a>"},
		{"XML declaration with unquoted encoding", "text/xml", []byte("<?xml version=\"1.0\" encoding=latin1?><a>\xe9</a>"),
			"<?xml version=\"1.0\" encoding=latin1?><a>\uFFFD</a>"},
		{"XML declaration with encoding but no value", "text/xml", []byte("<?xml version=\"1.0\" encoding?><a>\xe9</a>"),
			"<?xml version=\"1.0\" encoding?><a>\uFFFD</a>"},
		{"unterminated XML declaration", "text/xml", []byte("<?xml encoding=\"latin1\" <a>\xe9</a>"), "<?xml encoding=\"latin1\" <a>\uFFFD</a>"},
		{"not an XML declaration", "text/xml", []byte("<?xml-stylesheet encoding=\"latin1\"?><a>\xe9</a>"),
			"<?xml-stylesheet encoding=\"latin1\"?><a>\uFFFD</a>"},
		{"XML declaration after whitespace", "", []byte("\n <?xml version='1.0' encoding = 'latin1' ?><a>\xe9</a>"),
			"\n <?xml version='1.0' encoding = 'latin1' ?><a>é</a>"},
		{"HTML meta charset", "text/html", encode(t, charmap.Windows1252, `<meta charset="windows-1252"><p>Café “x”</p>`),
			`<meta charset="windows-1252"><p>Café “x”</p>`},
		{"HTML meta http-equiv", "text/html; foo=bar", encode(t, japanese.ShiftJIS,
			`<html><head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=Shift_JIS"></head><body>こんにちは</body></html>`),
			`<html><head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=Shift_JIS"></head><body>こんにちは</body></html>`},
		{"HTML meta in an unlabelled body", "", []byte(`<meta charset="iso-8859-15"><p>` + "\xa4" + `</p>`), `<meta charset="iso-8859-15"><p>€</p>`},
		{"HTML meta naming UTF-16 means UTF-8", "text/html", []byte(`<meta charset="utf-16"><p>é</p>`), `<meta charset="utf-16"><p>é</p>`},
		{"HTML meta ignored in text/plain", "text/plain", []byte(`<meta charset="windows-1252">` + "\xe9"), `<meta charset="windows-1252">` + "\uFFFD"},
		{"HTML meta beyond 1024 bytes ignored", "text/html",
			[]byte(strings.Repeat(" ", 1024) + `<meta charset="windows-1252">` + "\xe9"),
			strings.Repeat(" ", 1024) + `<meta charset="windows-1252">` + "\uFFFD"},
		{"label wins over HTML meta", "text/html; charset=utf-8", []byte(`<meta charset="windows-1252">é`), `<meta charset="windows-1252">é`},
		{"each invalid byte becomes U+FFFD", "text/plain", []byte("a\xff\xfeb\xe2\x82"), "a\uFFFD\uFFFDb\uFFFD\uFFFD"},
		{"empty", "text/plain", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse.Text(tt.contentType, tt.body)
			if err != nil {
				t.Fatalf("Text(%q, %q) error: %v", tt.contentType, tt.body, err)
			}
			if got != tt.want {
				t.Errorf("Text(%q, %q)\n got %q\nwant %q", tt.contentType, tt.body, got, tt.want)
			}
		})
	}
}

func TestForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want map[string]any
	}{
		{"empty", "", map[string]any{}},
		{"only separators", "&&", map[string]any{}},
		{"plus and %20", "q=hello+big%20world", map[string]any{"q": "hello big world"}},
		{"repeated three times", "a=1&b=x&a=2&a=3", map[string]any{"a": []any{"1", "2", "3"}, "b": "x"}},
		{"empty key", "=v", map[string]any{"": "v"}},
		{"key without value", "flag", map[string]any{"flag": ""}},
		{"equals sign in value", "a=1=2", map[string]any{"a": "1=2"}},
		{"malformed escapes kept", "a=%zz&b=%&c=%4", map[string]any{"a": "%zz", "b": "%", "c": "%4"}},
		{"escaped separators", "k%26=v%3D%2B", map[string]any{"k&": "v=+"}},
		{"UTF-8 escapes", "city=Z%C3%BCrich", map[string]any{"city": "Zürich"}},
		{"invalid UTF-8 replaced", "a=%FF", map[string]any{"a": "\uFFFD"}},
		{"brackets not expanded", "a%5Bb%5D=1&a[c]=2", map[string]any{"a[b]": "1", "a[c]": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := parse.Form([]byte(tt.body)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Form(%q)\n got %#v\nwant %#v", tt.body, got, tt.want)
			}
		})
	}
}

func TestFormCharset(t *testing.T) {
	t.Parallel()
	got, err := parse.Body("application/x-www-form-urlencoded; charset=ISO-8859-1", []byte("name=M%FCller+%80"), true)
	if err != nil {
		t.Fatalf("Body: %v", err)
	}
	if want := map[string]any{"name": "Müller €"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Body = %#v, want %#v", got, want)
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want any
	}{
		{"numbers stay literal", `[0,-0,1.50,1e400,-12345678901234567890123.5]`,
			[]any{json.Number("0"), json.Number("-0"), json.Number("1.50"), json.Number("1e400"), json.Number("-12345678901234567890123.5")}},
		{"escapes and surrogate pairs", `"tab\there \u00e9 \ud83d\ude00 \/"`, "tab\there é 😀 /"},
		{"lone surrogate replaced", `"\ud800"`, "\uFFFD"},
		{"null", `null`, nil},
		{"duplicate keys keep the last", `{"a":1,"a":2}`, map[string]any{"a": json.Number("2")}},
		{"surrounding whitespace", " \r\n\t{}\n ", map[string]any{}},
		{"brackets inside strings do not nest", `["[[[{{{"]`, []any{"[[[{{{"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse.JSON([]byte(tt.body))
			if err != nil {
				t.Fatalf("JSON(%q) error: %v", tt.body, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("JSON(%q)\n got %#v\nwant %#v", tt.body, got, tt.want)
			}
		})
	}
}

func TestJSONErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want string
	}{
		{``, "parsing JSON response: unexpected end of JSON input at offset 0"},
		{"\xEF\xBB\xBF", "parsing JSON response: unexpected end of JSON input at offset 3"},
		{`{"a" 1}`, "parsing JSON response: invalid character '1' after object key at offset 6"},
		{`[1,2`, "parsing JSON response: unexpected end of JSON input at offset 4"},
		{`tru`, "parsing JSON response: unexpected end of JSON input at offset 3"},
		{`nul1`, "parsing JSON response: invalid character '1' in literal null (expecting 'l') at offset 4"},
		{"\"a\x01\"", `parsing JSON response: invalid character '\x01' in string literal at offset 3`},
		{`1 2`, "parsing JSON response: invalid character '2' after top-level value at offset 3"},
		{"{}\x00", `parsing JSON response: invalid character '\x00' after top-level value at offset 3`},
		{`{} "x"`, `parsing JSON response: invalid character '"' after top-level value at offset 4`},
		{`{'a':1}`, `parsing JSON response: invalid character '\'' looking for beginning of object key string at offset 2`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			got, err := parse.JSON([]byte(tt.body))
			if err == nil {
				t.Fatalf("JSON(%q) = %#v, want error %q", tt.body, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("JSON(%q) error\n got %q\nwant %q", tt.body, err.Error(), tt.want)
			}
		})
	}
}
