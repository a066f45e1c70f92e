package core

import (
	"context"
	"strings"

	"golang.org/x/net/html"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

// Element types regexp:HTMLParser finds.
var htmlElementTypes = []string{"img", "a", "iframe"}

func htmlParserSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "regexp:HTMLParser",
		Versions: []int{1},
		Label:    "Get elements from HTML",
		Description: "Outputs one bundle per element of the chosen type, in document order: {element} (the element's " +
			"HTML), {innerContent} (the HTML inside it) and {attrs} (its attributes). The HTML is re-serialized, so " +
			"attribute quoting and character references may differ from the input.",
		Parameters: []engine.Field{{Name: "continueWhenNoRes", Label: "Continue the execution of the route even if the module finds no matches",
			Type: engine.Boolean, Default: false, Description: "With no element found, output one empty bundle instead of none."}},
		Mapper: []engine.Field{
			{Name: "elementType", Label: "Element type", Type: engine.Select, Required: true, Options: htmlElementTypes},
			{Name: "html", Label: "HTML", Type: engine.Text},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			cont := p.Bool("continueWhenNoRes", false)
			if err := paramError(p); err != nil {
				return nil, err
			}
			f := engine.NewFields(static(m.Mapper))
			f.OneOf("elementType", "a", htmlElementTypes...)
			if err := mapperError(f); err != nil {
				return nil, err
			}
			return htmlParser{continueWhenNone: cont}, nil
		},
	}
}

// htmlParser is Make's Get elements from HTML (regexp:HTMLParser).
type htmlParser struct{ continueWhenNone bool }

// Run outputs one bundle per element.
func (h htmlParser) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	if !f.Has("elementType") {
		f.Fail("elementType", "required: one of img, a, iframe")
	}
	tag := f.OneOf("elementType", "a", htmlElementTypes...)
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	doc, err := html.Parse(strings.NewReader(f.Text("html")))
	if err != nil {
		return nil, dataError(&engine.FieldError{Field: "html", Msg: err.Error()})
	}
	var out []bundle.Bundle
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, elementBundle(n))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(out) == 0 && h.continueWhenNone {
		return []bundle.Bundle{{}}, nil
	}
	return out, nil
}

// elementBundle describes one element.
func elementBundle(n *html.Node) bundle.Bundle {
	attrs := map[string]any{}
	for _, a := range n.Attr {
		attrs[a.Key] = a.Val
	}
	var outer, inner strings.Builder
	_ = html.Render(&outer, n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		_ = html.Render(&inner, c)
	}
	return bundle.Bundle{"element": outer.String(), "innerContent": inner.String(), "attrs": attrs}
}

var _ engine.Module = htmlParser{}
