package parse_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reqflow/reqflow/httpclient/parse"
)

// checkValue fails unless v is built only from the types Body returns, with
// valid UTF-8 in every string and key.
func checkValue(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case nil, bool, json.Number, []byte:
	case string:
		if !utf8.ValidString(x) {
			t.Fatalf("string %q is not valid UTF-8", x)
		}
	case []any:
		for _, e := range x {
			checkValue(t, e)
		}
	case map[string]any:
		for k, e := range x {
			if !utf8.ValidString(k) {
				t.Fatalf("key %q is not valid UTF-8", k)
			}
			checkValue(t, e)
		}
	default:
		t.Fatalf("unexpected value type %T", v)
	}
}

// checkError fails unless err is a *parse.Error of the given format whose
// text stays short.
func checkError(t *testing.T, err error, format string) {
	t.Helper()
	var pe *parse.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %T %v is not a *parse.Error", err, err)
	}
	if pe.Format != format {
		t.Fatalf("error format %q, want %q", pe.Format, format)
	}
	if n := len(err.Error()); n > 220 {
		t.Fatalf("error text is %d bytes long: %q", n, err.Error())
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5e3,-0,"x\u00e9\ud83d\ude00",true,false,null]}`,
		"\xEF\xBB\xBF[]",
		`12345678901234567890123`,
		`{"a":1} x`,
		`[[[[`,
		`"\"[{"`,
		"{\"\xff\":\"\xfe\"}",
		``,
		` `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := parse.JSON(body)
		doc := bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))
		if err != nil {
			checkError(t, err, "JSON")
			if !errors.Is(err, parse.ErrTooDeep) && json.Valid(doc) {
				t.Fatalf("JSON(%q) failed on a valid document: %v", body, err)
			}
			return
		}
		if !json.Valid(doc) {
			t.Fatalf("JSON(%q) accepted an invalid document: %#v", body, v)
		}
		checkValue(t, v)
	})
}

func FuzzXML(f *testing.F) {
	for _, s := range []string{
		rssFeed,
		`<data><text>Hello</text></data>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><a b="c">caf` + "\xe9" + `</a>`,
		`<?xml version="1.0" encoding="Shift_JIS"?><a/>`,
		`<a xmlns:x="u"><x:b x:c="d"/><![CDATA[t]]><!--c--><?pi x?></a>`,
		`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`,
		"\xFF\xFE<\x00a\x00/\x00>\x00",
		`<a><b></a>`,
		`<a/><b/>`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := parse.XML(body)
		if err != nil {
			checkError(t, err, "XML")
			return
		}
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			t.Fatalf("XML(%q) = %#v, want a collection with one key", body, v)
		}
		checkValue(t, v)
	})
}

func FuzzBody(f *testing.F) {
	seeds := []struct {
		contentType string
		body        string
	}{
		{"application/json", `{"a":1}`},
		{"application/json; charset=iso-8859-1", "{\"a\":\"\xe9\"}"},
		{"application/xml", `<a>1</a>`},
		{"text/xml; charset=shift_jis", `<a>` + "\x82\xa0" + `</a>`},
		{"application/x-www-form-urlencoded", "a=1&a=%zz&b+c=%E2%82%AC"},
		{"text/html", `<meta charset="windows-1252">` + "\x93"},
		{"text/plain; charset=utf-16le", "h\x00i\x00"},
		{"image/png", string(pngBytes)},
		{"", "\xFE\xFFx"},
		{"a/b; charset=\"", "x"},
	}
	for _, s := range seeds {
		f.Add(s.contentType, []byte(s.body), true)
		f.Add(s.contentType, []byte(s.body), false)
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte, parseOn bool) {
		v, err := parse.Body(contentType, body, parseOn)
		if len(body) == 0 && (v != "" || err != nil) {
			t.Fatalf("Body(%q, empty) = %#v, %v; want \"\"", contentType, v, err)
		}
		if err != nil {
			if !parseOn {
				t.Fatalf("Body(%q, %q, false) failed: %v", contentType, body, err)
			}
			checkError(t, err, strings.ToUpper(parse.KindOf(contentType, body).String()))
			return
		}
		checkValue(t, v)
		if b, ok := v.([]byte); ok && !bytes.Equal(b, body) {
			t.Fatalf("Body returned %q, want the body %q", b, body)
		}
	})
}
