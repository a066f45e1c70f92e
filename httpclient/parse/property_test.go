package parse_test

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/reqflow/reqflow/httpclient/parse"
)

// textRunes are the characters generated XML text and values are made of:
// markup characters, whitespace, and non-ASCII in one to four UTF-8 bytes.
var textRunes = []rune("ab <>&\"' \t\n\ré€日😀")

func TestPropertyFormRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		values := rapid.MapOf(rapid.String(), rapid.SliceOfN(rapid.String(), 1, 3)).Draw(t, "values")
		form := url.Values(values).Encode()
		want := make(map[string]any, len(values))
		for k, vs := range values {
			if len(vs) == 1 {
				want[k] = vs[0]
				continue
			}
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = v
			}
			want[k] = list
		}
		if got := parse.Form([]byte(form)); !reflect.DeepEqual(got, want) {
			t.Fatalf("Form(%q)\n got %#v\nwant %#v", form, got, want)
		}
	})
}

func TestPropertyJSONRoundTrip(t *testing.T) {
	t.Parallel()
	leaf := rapid.OneOf(
		rapid.Just[any](nil),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Map(rapid.String(), func(s string) any { return s }),
		rapid.Map(rapid.Int64(), func(n int64) any { return n }),
	)
	value := rapid.OneOf(
		leaf,
		rapid.Map(rapid.SliceOfN(leaf, 0, 4), func(l []any) any { return l }),
		rapid.Map(rapid.MapOfN(rapid.String(), leaf, 0, 4), func(m map[string]any) any { return m }),
	)
	rapid.Check(t, func(t *rapid.T) {
		v := value.Draw(t, "value")
		doc, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		got, err := parse.JSON(doc)
		if err != nil {
			t.Fatalf("JSON(%s): %v", doc, err)
		}
		again, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("marshal parsed value: %v", err)
		}
		if string(again) != string(doc) {
			t.Fatalf("round trip of %s gave %s", doc, again)
		}
	})
}

// xmlElement is a generated element with the value Make's shape gives it.
type xmlElement struct {
	name string
	doc  string
	want any
}

// genElement draws an element nested at most depth levels.
func genElement(t *rapid.T, depth int) xmlElement {
	name := rapid.SampledFrom([]string{"a", "b", "item", "x:y"}).Draw(t, "name")
	attrs := rapid.MapOfN(rapid.SampledFrom([]string{"id", "lang", "p:q"}),
		rapid.StringOf(rapid.SampledFrom(textRunes)), 0, 3).Draw(t, "attrs")
	text := rapid.StringOf(rapid.SampledFrom(textRunes)).Draw(t, "text")
	nChildren := 0
	if depth > 0 {
		nChildren = rapid.IntRange(0, 3).Draw(t, "children")
	}

	var sb strings.Builder
	sb.WriteString("<" + name)
	wantAttrs := make(map[string]any, len(attrs))
	for k, v := range attrs {
		sb.WriteString(" " + k + `="`)
		_ = xml.EscapeText(&sb, []byte(v))
		sb.WriteString(`"`)
		wantAttrs[k] = v
	}
	sb.WriteString(">")
	_ = xml.EscapeText(&sb, []byte(text))
	children := make(map[string]any)
	for range nChildren {
		c := genElement(t, depth-1)
		sb.WriteString(c.doc)
		list, _ := children[c.name].([]any)
		children[c.name] = append(list, c.want)
	}
	sb.WriteString("</" + name + ">")

	if len(attrs) == 0 && nChildren == 0 {
		return xmlElement{name: name, doc: sb.String(), want: text}
	}
	if trimmed := strings.TrimSpace(text); trimmed != "" {
		children["_value"] = trimmed
	}
	if len(attrs) > 0 {
		children["_attributes"] = wantAttrs
	}
	return xmlElement{name: name, doc: sb.String(), want: children}
}

func TestPropertyXMLShape(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		root := genElement(t, 3)
		got, err := parse.XML([]byte(root.doc))
		if err != nil {
			t.Fatalf("XML(%q): %v", root.doc, err)
		}
		if want := map[string]any{root.name: root.want}; !reflect.DeepEqual(got, want) {
			t.Fatalf("XML(%q)\n got %#v\nwant %#v", root.doc, got, want)
		}
	})
}
