package parse_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"github.com/reqflow/reqflow/httpclient/parse"
)

// noContentType asks the test server to send no Content-Type at all.
const noContentType = "<none>"

// setup starts a loopback server that answers a POST with the body it was
// sent, labelled with the Content-Type given in the X-Reply-Type header.
// The returned fetch function makes that round trip over real HTTP and
// returns the Content-Type and body the client received.
func setup(t *testing.T) (fetch func(contentType string, body []byte) (string, []byte)) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if ct := r.Header.Get("X-Reply-Type"); ct == noContentType {
			w.Header()["Content-Type"] = nil // suppress net/http's sniffing
		} else {
			w.Header().Set("Content-Type", ct)
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return func(contentType string, body []byte) (string, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, bytes.NewReader(body))
		if err != nil {
			t.Fatalf("building request: %v", err)
		}
		req.Header.Set("X-Reply-Type", contentType)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("fetching: %v", err)
		}
		defer func() { _ = resp.Body.Close() }()
		got, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("reading response: %v", err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("server returned %q, want %q", got, body)
		}
		return resp.Header.Get("Content-Type"), got
	}
}

// encode produces test bytes in a legacy encoding.
func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}

// pngBytes is the start of a 1×1 PNG image.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

// rssFeed is a small RSS 2.0 feed with a namespaced link, attributes, CDATA
// and an empty element.
const rssFeed = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Example News</title>
    <atom:link href="https://news.example/feed.xml" rel="self" type="application/rss+xml"/>
    <item>
      <title>First &amp; foremost</title>
      <link>https://news.example/1</link>
      <guid isPermaLink="false">id-1</guid>
      <description><![CDATA[<p>Hello</p>]]></description>
    </item>
    <item>
      <title>Second</title>
      <category/>
    </item>
  </channel>
</rss>
`

// rssParsed is rssFeed in Make's shape.
var rssParsed = map[string]any{"rss": map[string]any{
	"_attributes": map[string]any{"version": "2.0", "xmlns:atom": "http://www.w3.org/2005/Atom"},
	"channel": []any{map[string]any{
		"title": []any{"Example News"},
		"atom:link": []any{map[string]any{"_attributes": map[string]any{
			"href": "https://news.example/feed.xml", "rel": "self", "type": "application/rss+xml",
		}}},
		"item": []any{
			map[string]any{
				"title":       []any{"First & foremost"},
				"link":        []any{"https://news.example/1"},
				"guid":        []any{map[string]any{"_attributes": map[string]any{"isPermaLink": "false"}, "_value": "id-1"}},
				"description": []any{"<p>Hello</p>"},
			},
			map[string]any{
				"title":    []any{"Second"},
				"category": []any{""},
			},
		},
	}},
}}

func TestBody(t *testing.T) {
	t.Parallel()
	fetch := setup(t)
	tests := []struct {
		name        string
		contentType string
		body        []byte
		parse       bool
		want        any
	}{
		{"JSON object", "application/json; charset=utf-8", []byte(`{"id":7,"ok":true,"tags":["a",null],"price":1.50}`), true,
			map[string]any{"id": json.Number("7"), "ok": true, "tags": []any{"a", nil}, "price": json.Number("1.50")}},
		{"JSON top-level array", "application/json", []byte(`[{"OrganisationId":1},{"OrganisationId":2}]`), true,
			[]any{map[string]any{"OrganisationId": json.Number("1")}, map[string]any{"OrganisationId": json.Number("2")}}},
		{"JSON big integer exact", "application/json", []byte(`{"id":12345678901234567890123}`), true,
			map[string]any{"id": json.Number("12345678901234567890123")}},
		{"JSON with UTF-8 BOM", "application/json", []byte("\xEF\xBB\xBF{\"name\":\"Zoë\"}"), true,
			map[string]any{"name": "Zoë"}},
		{"JSON +json suffix", "application/problem+json", []byte(`{"title":"Not Found","status":404}`), true,
			map[string]any{"title": "Not Found", "status": json.Number("404")}},
		{"JSON with UTF-16LE BOM", "application/json", []byte("\xFF\xFE{\x00\"\x00a\x00\"\x00:\x00\"\x00\xe9\x00\"\x00}\x00"), true,
			map[string]any{"a": "é"}},
		{"JSON BOM wins over the label", "application/json; charset=iso-8859-1", []byte("\xEF\xBB\xBF[\"é\"]"), true, []any{"é"}},
		{"JSON scalar", "application/json", []byte(` "just text" `), true, "just text"},
		{"JSON labelled ISO-8859-1", "application/json; charset=ISO-8859-1", encode(t, charmap.ISO8859_1, `{"name":"Müller"}`), true,
			map[string]any{"name": "Müller"}},
		{"JSON labelled text/plain stays text", "text/plain", []byte(`{"id":1}`), true, `{"id":1}`},
		{"JSON parse off", "application/json", []byte(`{"id":1}`), false, `{"id":1}`},
		{"JSON whitespace only", "application/json", []byte(" \r\n"), true, ""},
		{"XML RSS feed", "application/rss+xml; charset=utf-8", []byte(rssFeed), true, rssParsed},
		{"XML text/xml", "text/xml", []byte(`<data><text>Hello</text></data>`), true,
			map[string]any{"data": map[string]any{"text": []any{"Hello"}}}},
		{"XML declaring ISO-8859-1", "application/xml",
			encode(t, charmap.ISO8859_1, `<?xml version="1.0" encoding="ISO-8859-1"?><city name="Zürich">Grüezi à tous</city>`), true,
			map[string]any{"city": map[string]any{"_attributes": map[string]any{"name": "Zürich"}, "_value": "Grüezi à tous"}}},
		{"XML declaring Shift_JIS", "application/xml",
			encode(t, japanese.ShiftJIS, `<?xml version="1.0" encoding="Shift_JIS"?><msg><text>こんにちは</text></msg>`), true,
			map[string]any{"msg": map[string]any{"text": []any{"こんにちは"}}}},
		{"XML Content-Type charset wins over declaration", "application/xml; charset=windows-1252",
			encode(t, charmap.Windows1252, `<?xml version="1.0" encoding="UTF-8"?><q>“quoted”</q>`), true,
			map[string]any{"q": "“quoted”"}},
		{"XML BOM wins over the label", "application/xml; charset=iso-8859-1", []byte("\xEF\xBB\xBF<a>é</a>"), true, map[string]any{"a": "é"}},
		{"XML UTF-8 label with BOM", "application/xml; charset=utf-8", []byte("\xEF\xBB\xBF<a>é</a>"), true, map[string]any{"a": "é"}},
		{"XML parse off", "application/xml", []byte(`<a>1</a>`), false, `<a>1</a>`},
		{"form repeated keys, plus and %20", "application/x-www-form-urlencoded",
			[]byte("name=John+Smith&tag=a&tag=b%20c&tag=d&empty=&flag&x%5B0%5D=%E2%82%AC"), true,
			map[string]any{"name": "John Smith", "tag": []any{"a", "b c", "d"}, "empty": "", "flag": "", "x[0]": "€"}},
		{"form lower-case escapes", "application/x-www-form-urlencoded", []byte("eur=%e2%82%ac"), true, map[string]any{"eur": "€"}},
		{"form parse off", "application/x-www-form-urlencoded", []byte("a=1&a=2"), false, "a=1&a=2"},
		{"text ISO-8859-15", "text/plain; charset=ISO-8859-15", encode(t, charmap.ISO8859_15, "Prix : 5 € - ŠšŽžŒœŸ"), true,
			"Prix : 5 € - ŠšŽžŒœŸ"},
		{"text Shift_JIS", "text/plain; charset=Shift_JIS", encode(t, japanese.ShiftJIS, "こんにちは、世界"), true,
			"こんにちは、世界"},
		{"text windows-1252", "text/csv; charset=windows-1252", encode(t, charmap.Windows1252, "name;price\n“Café”;5 €\n"), false,
			"name;price\n“Café”;5 €\n"},
		{"HTML meta charset windows-1252", "text/html",
			encode(t, charmap.Windows1252, `<html><head><meta charset="windows-1252"><title>Café “Ünïcode”</title></head></html>`), true,
			`<html><head><meta charset="windows-1252"><title>Café “Ünïcode”</title></head></html>`},
		{"invalid UTF-8 replaced", "text/plain", []byte("a\xffb"), true, "a\uFFFDb"},
		{"javascript is text", "application/javascript", []byte("var x = 1;"), true, "var x = 1;"},
		{"PNG image", "image/png", pngBytes, true, pngBytes},
		{"PNG without Content-Type", noContentType, pngBytes, true, pngBytes},
		{"octet-stream text bytes stay binary", "application/octet-stream", []byte("hello"), false, []byte("hello")},
		{"no Content-Type text sniffed", noContentType, []byte(`{"id":1}`), true, `{"id":1}`},
		{"empty JSON", "application/json", nil, true, ""},
		{"empty XML", "application/xml", nil, true, ""},
		{"empty binary", "image/png", nil, true, ""},
		{"empty unlabelled, parse off", noContentType, nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct, body := fetch(tt.contentType, tt.body)
			got, err := parse.Body(ct, body, tt.parse)
			if err != nil {
				t.Fatalf("Body(%q, %q, %v) error: %v", ct, body, tt.parse, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Body(%q, %q, %v)\n got %#v\nwant %#v", ct, body, tt.parse, got, tt.want)
			}
		})
	}
}

func TestBodyErrors(t *testing.T) {
	t.Parallel()
	fetch := setup(t)
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
		offset      int64
	}{
		{"JSON bad token", "application/json", `{"id": x}`,
			"parsing JSON response: invalid character 'x' looking for beginning of value at offset 8", 8},
		{"JSON truncated", "application/json", `{"id": 1`,
			"parsing JSON response: unexpected end of JSON input at offset 8", 8},
		{"JSON trailing garbage", "application/json", `{"id": 1} {"id": 2}`,
			"parsing JSON response: invalid character '{' after top-level value at offset 11", 11},
		{"JSON HTML error page", "application/json", "<html>502 Bad Gateway</html>",
			"parsing JSON response: invalid character '<' looking for beginning of value at offset 1", 1},
		{"JSON offset counts the BOM", "application/json", "\xEF\xBB\xBF[1,]",
			"parsing JSON response: invalid character ']' looking for beginning of value at offset 7", 7},
		{"XML mismatched tags", "application/xml", "<a>\n<b></a>",
			"parsing XML response: XML syntax error on line 2: element <b> closed by </a> at offset 11", 11},
		{"XML not closed", "text/xml", "<a><b>x</b>",
			"parsing XML response: XML syntax error on line 1: unexpected EOF: element <a> not closed at offset 11", 11},
		{"XML two roots", "application/xml", "<a/><b/>",
			"parsing XML response: XML syntax error on line 1: unexpected element <b> after the root element at offset 8", 8},
		{"XML plain text", "application/xml", "Not Found",
			"parsing XML response: XML syntax error on line 1: text before the root element at offset 9", 9},
		{"XML unknown entity", "application/xml", "<a>&bogus;</a>",
			"parsing XML response: XML syntax error on line 1: invalid character entity &bogus; at offset 10", 10},
		{"XML unknown encoding", "application/xml", `<?xml version="1.0" encoding="klingon"?><a/>`,
			`parsing XML response: xml: opening charset "klingon": unsupported charset: "klingon" at offset 40`, 40},
		{"XML long name is cut", "application/xml", "<a></" + strings.Repeat("b", 500) + ">",
			"parsing XML response: XML syntax error on line 1: element <a> closed by </" + strings.Repeat("b", 120-len("XML syntax error on line 1: element <a> closed by </")) + "… at offset 506", 506},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ct, body := fetch(tt.contentType, []byte(tt.body))
			got, err := parse.Body(ct, body, true)
			if err == nil {
				t.Fatalf("Body(%q, %q) = %#v, want error %q", ct, body, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tt.want)
			}
			var pe *parse.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *parse.Error", err)
			}
			if pe.Offset != tt.offset {
				t.Errorf("Offset = %d, want %d", pe.Offset, tt.offset)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		contentType string
		body        string
		want        parse.Kind
	}{
		{"application/json", "", parse.KindJSON},
		{"Application/JSON; charset=UTF-8", "", parse.KindJSON},
		{"application/vnd.api+json", "", parse.KindJSON},
		{"application/xml", "", parse.KindXML},
		{"text/xml; charset=utf-8", "", parse.KindXML},
		{"image/svg+xml", "", parse.KindXML},
		{"application/x-www-form-urlencoded", "", parse.KindForm},
		{"text/plain", "\x00\x01", parse.KindText},
		{"text/html", "", parse.KindText},
		{"application/javascript", "", parse.KindText},
		{"application/x-custom; charset=utf-8", "\x00", parse.KindText},
		{"image/png", "text", parse.KindBinary},
		{"application/octet-stream", "text", parse.KindBinary},
		{"application/pdf", "%PDF-1.7", parse.KindBinary},
		{"", "plain words", parse.KindText},
		{"", "\x00\x01\x02", parse.KindBinary},
		{"", string(pngBytes), parse.KindBinary},
		{"application/x-unknown", "plain words", parse.KindText},
		{"application/x-unknown", "\xFF\xD8\xFF\xE0", parse.KindBinary},
		{"not a media type", "plain words", parse.KindText},
		{"application/json; charset", "", parse.KindJSON},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			t.Parallel()
			if got := parse.KindOf(tt.contentType, []byte(tt.body)); got != tt.want {
				t.Errorf("KindOf(%q, %q) = %v, want %v", tt.contentType, tt.body, got, tt.want)
			}
			if got, want := parse.IsText(tt.contentType, []byte(tt.body)), tt.want != parse.KindBinary; got != want {
				t.Errorf("IsText(%q, %q) = %v, want %v", tt.contentType, tt.body, got, want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind parse.Kind
		want string
	}{
		{parse.KindBinary, "binary"},
		{parse.KindText, "text"},
		{parse.KindJSON, "JSON"},
		{parse.KindXML, "XML"},
		{parse.KindForm, "form"},
		{parse.Kind(99), "binary"},
	}
	for _, tt := range tests {
		if got := tt.kind.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tt.kind), got, tt.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *parse.Error
		want string
	}{
		{&parse.Error{Format: "XML", Offset: 3}, "parsing XML response: unknown error at offset 3"},
		{&parse.Error{Format: "JSON", Offset: 0, Err: errors.New(strings.Repeat("é", 100))},
			"parsing JSON response: " + strings.Repeat("é", 60) + "… at offset 0"},
		{&parse.Error{Format: "JSON", Offset: 0, Err: errors.New("x" + strings.Repeat("é", 100))},
			"parsing JSON response: x" + strings.Repeat("é", 59) + "… at offset 0"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error()\n got %q\nwant %q", got, tt.want)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	t.Parallel()
	const levels = 100000
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
	}{
		{"JSON arrays", "application/json", strings.Repeat("[", levels) + strings.Repeat("]", levels),
			"parsing JSON response: nesting deeper than 1000 levels at offset 1001"},
		{"JSON objects", "application/json", strings.Repeat(`{"a":`, levels) + "1" + strings.Repeat("}", levels),
			"parsing JSON response: nesting deeper than 1000 levels at offset 5001"},
		{"JSON unclosed", "application/json", strings.Repeat("[", levels),
			"parsing JSON response: nesting deeper than 1000 levels at offset 1001"},
		{"XML elements", "application/xml", strings.Repeat("<a>", levels) + strings.Repeat("</a>", levels),
			"parsing XML response: nesting deeper than 1000 levels at offset 3003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse.Body(tt.contentType, []byte(tt.body), true)
			if err == nil {
				t.Fatalf("Body = %T, want error %q", got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tt.want)
			}
			if !errors.Is(err, parse.ErrTooDeep) {
				t.Errorf("error %v is not ErrTooDeep", err)
			}
		})
	}
}

func TestDepthLimitIsInclusive(t *testing.T) {
	t.Parallel()
	jsonDoc := strings.Repeat("[", parse.MaxDepth) + strings.Repeat("]", parse.MaxDepth)
	v, err := parse.JSON([]byte(jsonDoc))
	if err != nil {
		t.Fatalf("JSON at MaxDepth: %v", err)
	}
	for range parse.MaxDepth - 1 {
		a, ok := v.([]any)
		if !ok || len(a) != 1 {
			t.Fatalf("JSON at MaxDepth: got %#v", v)
		}
		v = a[0]
	}
	if a, ok := v.([]any); !ok || len(a) != 0 {
		t.Fatalf("innermost JSON value = %#v, want []any{}", v)
	}

	xmlDoc := strings.Repeat("<a>", parse.MaxDepth) + "x" + strings.Repeat("</a>", parse.MaxDepth)
	x, err := parse.XML([]byte(xmlDoc))
	if err != nil {
		t.Fatalf("XML at MaxDepth: %v", err)
	}
	x = x.(map[string]any)["a"]
	for range parse.MaxDepth - 1 {
		m, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("XML at MaxDepth: got %#v", x)
		}
		x = m["a"].([]any)[0]
	}
	if x != "x" {
		t.Fatalf("innermost XML value = %#v, want \"x\"", x)
	}
}
