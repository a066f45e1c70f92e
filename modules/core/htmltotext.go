package core

import (
	"context"
	"strings"

	"golang.org/x/net/html"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

func htmlToTextSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "regexp:HTMLToText",
		Versions: []int{1},
		Label:    "HTML to text",
		Description: "Outputs {text}: the HTML's readable text. Paragraphs and headings are separated by a blank line, " +
			"other blocks, list items and <br> by a line break; list items start with \"* \"; a link whose address " +
			"differs from its text is followed by [address]; script, style, head and images are dropped; " +
			"whitespace is collapsed except inside <pre>; character references are decoded.",
		Mapper: []engine.Field{
			{Name: "html", Label: "HTML", Type: engine.Text},
			{Name: "newline", Label: "Line break", Type: engine.Select, Default: "lf", Options: []string{"lf", "crlf", "cr"}},
			{Name: "uppercaseHeadings", Label: "Uppercase headings", Type: engine.Boolean, Default: true},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			f := engine.NewFields(static(m.Mapper))
			f.OneOf("newline", "lf", "lf", "crlf", "cr")
			f.Bool("uppercaseHeadings", true)
			if err := mapperError(f); err != nil {
				return nil, err
			}
			return htmlToText{}, nil
		},
	}
}

// htmlToText is Make's HTML to text (regexp:HTMLToText).
type htmlToText struct{}

// Run converts the html field.
func (htmlToText) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	nl := map[string]string{"lf": "\n", "crlf": "\r\n", "cr": "\r"}[f.OneOf("newline", "lf", "lf", "crlf", "cr")]
	upper := f.Bool("uppercaseHeadings", true)
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	text := HTMLToText(f.Text("html"), upper)
	if nl != "\n" {
		text = strings.ReplaceAll(text, "\n", nl)
	}
	return []bundle.Bundle{{"text": text}}, nil
}

// Line breaks an element asks for before and after itself: 2 is a blank
// line (a paragraph), 1 a line break.
var blockBreaks = map[string]int{
	"p": 2, "h1": 2, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2, "pre": 2, "blockquote": 2, "table": 2,
	"ul": 2, "ol": 2, "hr": 2,
	"div": 1, "section": 1, "article": 1, "header": 1, "footer": 1, "nav": 1, "aside": 1, "main": 1,
	"li": 1, "tr": 1, "dl": 1, "dt": 1, "dd": 1, "form": 1, "figure": 1, "figcaption": 1, "address": 1,
}

// skipped elements contribute no text.
var skipped = map[string]bool{"script": true, "style": true, "head": true, "noscript": true, "template": true, "svg": true}

// HTMLToText returns the readable text of an HTML document or fragment,
// with "\n" line breaks (see regexp:HTMLToText's description).
func HTMLToText(src string, uppercaseHeadings bool) string {
	w := &textWriter{}
	z := html.NewTokenizer(strings.NewReader(src))
	skip, pre, heading := 0, 0, 0
	type link struct {
		href  string
		start int
	}
	var links []link
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		name := tok.Data
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if skipped[name] {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch name {
			case "br":
				w.lineBreak()
			case "hr":
				w.block(2)
				w.write("-------")
				w.block(2)
			case "li":
				w.block(1)
				w.write("* ")
				w.space = false
			case "td", "th":
				w.space = true
			case "a":
				if tt == html.StartTagToken {
					links = append(links, link{href: attr(tok, "href"), start: w.b.Len()})
				}
			case "pre":
				pre++
			case "h1", "h2", "h3", "h4", "h5", "h6":
				heading++
			}
			if n, ok := blockBreaks[name]; ok && name != "li" && name != "hr" {
				w.block(n)
			}
		case html.EndTagToken:
			if skipped[name] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch name {
			case "a":
				if len(links) > 0 {
					l := links[len(links)-1]
					links = links[:len(links)-1]
					label := strings.TrimSpace(w.b.String()[min(l.start, w.b.Len()):])
					if l.href != "" && l.href != label && !strings.HasPrefix(l.href, "#") && !strings.HasPrefix(l.href, "javascript:") {
						href := l.href
						if heading > 0 && uppercaseHeadings {
							// As Make's converter does: the whole heading,
							// link addresses included, is upper case.
							href = strings.ToUpper(href)
						}
						w.space = true
						w.write("[" + href + "]")
					}
				}
			case "pre":
				if pre > 0 {
					pre--
				}
			case "h1", "h2", "h3", "h4", "h5", "h6":
				if heading > 0 {
					heading--
				}
			}
			if n, ok := blockBreaks[name]; ok {
				w.block(n)
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			s := tok.Data
			if heading > 0 && uppercaseHeadings {
				s = strings.ToUpper(s)
			}
			if pre > 0 {
				w.raw(s)
			} else {
				w.text(s)
			}
		}
	}
	return w.String()
}

func attr(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

// textWriter collapses whitespace and merges the line breaks blocks ask for.
type textWriter struct {
	b       strings.Builder
	pending int  // line breaks owed before the next text
	space   bool // a space is owed before the next text
}

func (w *textWriter) block(n int) {
	if n > w.pending {
		w.pending = n
	}
	w.space = false
}

func (w *textWriter) lineBreak() {
	w.flush()
	w.b.WriteByte('\n')
	w.space = false
}

func (w *textWriter) flush() {
	if w.b.Len() > 0 && w.pending > 0 {
		s := w.b.String()
		have := len(s) - len(strings.TrimRight(s, "\n"))
		for i := have; i < w.pending; i++ {
			w.b.WriteByte('\n')
		}
	}
	w.pending = 0
}

// text writes inline text, collapsing runs of whitespace to one space.
func (w *textWriter) text(s string) {
	words := strings.Fields(s)
	if len(words) == 0 {
		if s != "" && w.b.Len() > 0 {
			w.space = true
		}
		return
	}
	if isSpace(s[0]) && w.b.Len() > 0 {
		w.space = true
	}
	w.write(strings.Join(words, " "))
	w.space = isSpace(s[len(s)-1])
}

// write writes text as it is, after any owed break or space.
func (w *textWriter) write(s string) {
	if w.pending > 0 {
		w.flush()
		w.space = false
	}
	if w.space {
		if s := w.b.String(); s != "" && !strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, " ") {
			w.b.WriteByte(' ')
		}
		w.space = false
	}
	w.b.WriteString(s)
}

// raw writes preformatted text.
func (w *textWriter) raw(s string) {
	if w.pending > 0 {
		w.flush()
	}
	w.space = false
	w.b.WriteString(s)
}

// String returns the text with trailing spaces trimmed from every line and
// no leading or trailing blank lines.
func (w *textWriter) String() string {
	lines := strings.Split(w.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

var _ engine.Module = htmlToText{}
