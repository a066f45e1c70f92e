package parse_test

import (
	"reflect"
	"testing"

	"github.com/reqflow/reqflow/httpclient/parse"
)

func TestXMLShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want any
	}{
		{"Make's example", `<data><text>Hello</text></data>`,
			map[string]any{"data": map[string]any{"text": []any{"Hello"}}}},
		{"text-only root", `<a>hi</a>`, map[string]any{"a": "hi"}},
		{"empty root", `<a/>`, map[string]any{"a": ""}},
		{"empty elements", `<r><b/><b></b></r>`, map[string]any{"r": map[string]any{"b": []any{"", ""}}}},
		{"text kept exactly", "<r><t>  two  spaces \n</t><w> </w></r>",
			map[string]any{"r": map[string]any{"t": []any{"  two  spaces \n"}, "w": []any{" "}}}},
		{"occurrences in order", `<r><i>1</i><j>x</j><i>2</i></r>`,
			map[string]any{"r": map[string]any{"i": []any{"1", "2"}, "j": []any{"x"}}}},
		{"attributes with text", `<r><p id="1" lang="en"> Hello, world </p></r>`,
			map[string]any{"r": map[string]any{"p": []any{map[string]any{
				"_attributes": map[string]any{"id": "1", "lang": "en"}, "_value": "Hello, world"}}}}},
		{"attributes with whitespace only", "<r a=\"1\">\n  </r>",
			map[string]any{"r": map[string]any{"_attributes": map[string]any{"a": "1"}}}},
		{"children beside attributes", `<r a="1"><c>x</c></r>`,
			map[string]any{"r": map[string]any{"_attributes": map[string]any{"a": "1"}, "c": []any{"x"}}}},
		{"mixed content as documented", `<p>Hi <b>you</b>!</p>`, map[string]any{"p": map[string]any{"b": []any{"you"}, "_value": "Hi !"}}},
		{"mixed content", "<p>\n Hello <b>you</b> there\n</p>",
			map[string]any{"p": map[string]any{"b": []any{"you"}, "_value": "Hello  there"}}},
		{"namespace prefixes as written", `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:m="urn:m"><m:count m:unit="n">3</m:count></feed>`,
			map[string]any{"feed": map[string]any{
				"_attributes": map[string]any{"xmlns": "http://www.w3.org/2005/Atom", "xmlns:m": "urn:m"},
				"m:count":     []any{map[string]any{"_attributes": map[string]any{"m:unit": "n"}, "_value": "3"}},
			}}},
		{"xml:lang attribute", `<t xml:lang="de">Hallo</t>`,
			map[string]any{"t": map[string]any{"_attributes": map[string]any{"xml:lang": "de"}, "_value": "Hallo"}}},
		{"CDATA, comments and processing instructions", `<a>x<!-- c --><![CDATA[ <y> & ]]><?pi data?>z</a>`,
			map[string]any{"a": "x <y> & z"}},
		{"entities and character references", `<a q="&quot;&#65;&#x42;">&lt;&gt;&amp;&apos;&#233;</a>`,
			map[string]any{"a": map[string]any{"_attributes": map[string]any{"q": `"AB`}, "_value": "<>&'é"}}},
		{"HTML entity names", `<a>caf&eacute;&nbsp;&mdash;</a>`, map[string]any{"a": "café\u00a0—"}},
		{"values stay text", `<n><i>42</i><f>1.5</f><b>true</b></n>`,
			map[string]any{"n": map[string]any{"i": []any{"42"}, "f": []any{"1.5"}, "b": []any{"true"}}}},
		{"prolog, doctype and trailing comment", "<?xml version=\"1.0\"?>\n<!DOCTYPE a>\n<!-- before -->\n<a>1</a>\n<!-- after -->\n",
			map[string]any{"a": "1"}},
		{"child named _value is overwritten", `<r a="1">text<_value>child</_value></r>`,
			map[string]any{"r": map[string]any{"_attributes": map[string]any{"a": "1"}, "_value": "text"}}},
		{"UTF-8 BOM", "\xEF\xBB\xBF<a>é</a>", map[string]any{"a": "é"}},
		{"UTF-16LE BOM", "\xFF\xFE<\x00a\x00>\x00\xe9\x00<\x00/\x00a\x00>\x00", map[string]any{"a": "é"}},
		{"UTF-16 declared on UTF-8 bytes", `<?xml version="1.0" encoding="utf-16"?><a>é</a>`, map[string]any{"a": "é"}},
		{"declared windows-1252", "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x93q\x94</a>", map[string]any{"a": "“q”"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse.XML([]byte(tt.body))
			if err != nil {
				t.Fatalf("XML(%q) error: %v", tt.body, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("XML(%q)\n got %#v\nwant %#v", tt.body, got, tt.want)
			}
		})
	}
}

func TestXMLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty", ``, "parsing XML response: XML syntax error on line 1: no root element at offset 0"},
		{"only a comment", `<!-- x -->`, "parsing XML response: XML syntax error on line 1: no root element at offset 10"},
		{"stray end tag", `</a>`, "parsing XML response: XML syntax error on line 1: unexpected end element </a> at offset 4"},
		{"text after root", "<a/>\ntail", "parsing XML response: XML syntax error on line 2: text after the root element at offset 9"},
		{"unquoted attribute", `<a b=c/>`, "parsing XML response: XML syntax error on line 1: unquoted or missing attribute value in element at offset 6"},
		{"invalid UTF-8", "<a>\xff</a>", "parsing XML response: XML syntax error on line 1: invalid UTF-8 at offset 4"},
		{"prefix mismatch", `<x:a></y:a>`, "parsing XML response: XML syntax error on line 1: element <x:a> closed by </y:a> at offset 11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse.XML([]byte(tt.body))
			if err == nil {
				t.Fatalf("XML(%q) = %#v, want error %q", tt.body, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("XML(%q) error\n got %q\nwant %q", tt.body, err.Error(), tt.want)
			}
		})
	}
}
