package parse

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html/charset"
)

// XML parses an XML document into Make's shape (see the package
// documentation): a collection whose single key is the root element's name.
// The encoding comes from a byte order mark or the XML declaration
// (ISO-8859-1, windows-1252, Shift_JIS, … by their WHATWG labels), else
// UTF-8. Errors are *[Error] with Format "XML"; Offset is the input offset
// at which the problem was detected.
func XML(body []byte) (any, error) {
	enc, n := bomEncoding(body)
	body = body[n:]
	if n == 0 {
		return parseXML(body, false)
	}
	if enc != nil {
		body = decodeBytes(enc, body)
	}
	return parseXML(body, true)
}

// xmlBody parses an XML response body. A byte order mark decides the
// encoding; else a charset named by the Content-Type wins over the
// document's own declaration (RFC 7303).
func xmlBody(params map[string]string, body []byte) (any, error) {
	enc, ok := lookup(params["charset"])
	if _, n := bomEncoding(body); n > 0 || !ok {
		return XML(body)
	}
	if enc != nil {
		body = decodeBytes(enc, body)
	}
	return parseXML(body, true)
}

// xmlNode is an element being built.
type xmlNode struct {
	name     xml.Name
	attrs    map[string]any
	children map[string]any
	text     strings.Builder
}

// value returns the element in Make's shape.
func (n *xmlNode) value() any {
	if len(n.attrs) == 0 && len(n.children) == 0 {
		return n.text.String()
	}
	m := n.children
	if m == nil {
		m = make(map[string]any, 2)
	}
	if text := strings.TrimSpace(n.text.String()); text != "" {
		m["_value"] = text
	}
	if len(n.attrs) > 0 {
		m["_attributes"] = n.attrs
	}
	return m
}

// qualified returns a name with its prefix as written: "atom:link".
func qualified(name xml.Name) string {
	if name.Space == "" {
		return name.Local
	}
	return name.Space + ":" + name.Local
}

// declaredCharset converts a document to UTF-8 from the encoding its XML
// declaration names. A declaration of UTF-16 is ignored: the decoder could
// only read it because the bytes are ASCII-compatible, so the document is
// not UTF-16 (a UTF-16 document starts with a byte order mark instead).
func declaredCharset(label string, input io.Reader) (io.Reader, error) {
	if isUTF16Label(label) {
		return input, nil
	}
	return charset.NewReaderLabel(label, input)
}

// isUTF16Label reports whether an encoding label names UTF-16.
func isUTF16Label(label string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(label)), "utf-16")
}

// parseXML builds Make's shape from a document. When utf8 is set the input
// is already UTF-8 and the declaration's encoding is ignored.
func parseXML(body []byte, utf8 bool) (any, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	if utf8 {
		d.CharsetReader = func(_ string, input io.Reader) (io.Reader, error) { return input, nil }
	} else {
		d.CharsetReader = declaredCharset
	}
	fail := func(msg string, args ...any) (any, error) {
		line, _ := d.InputPos()
		return nil, &Error{Format: "XML", Offset: d.InputOffset(), Err: &xml.SyntaxError{Msg: fmt.Sprintf(msg, args...), Line: line}}
	}
	var (
		stack []*xmlNode
		root  any
		done  bool
	)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &Error{Format: "XML", Offset: d.InputOffset(), Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if done {
				return fail("unexpected element <%s> after the root element", qualified(t.Name))
			}
			if len(stack) >= MaxDepth {
				return nil, &Error{Format: "XML", Offset: d.InputOffset(), Err: ErrTooDeep}
			}
			n := &xmlNode{name: t.Name}
			if len(t.Attr) > 0 {
				n.attrs = make(map[string]any, len(t.Attr))
				for _, a := range t.Attr {
					n.attrs[qualified(a.Name)] = a.Value
				}
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 {
				return fail("unexpected end element </%s>", qualified(t.Name))
			}
			n := stack[len(stack)-1]
			if n.name != t.Name {
				return fail("element <%s> closed by </%s>", qualified(n.name), qualified(t.Name))
			}
			stack = stack[:len(stack)-1]
			v := n.value()
			if len(stack) == 0 {
				root = map[string]any{qualified(n.name): v}
				done = true
				break
			}
			parent := stack[len(stack)-1]
			if parent.children == nil {
				parent.children = make(map[string]any)
			}
			name := qualified(n.name)
			list, _ := parent.children[name].([]any)
			parent.children[name] = append(list, v)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimLeft(t, " \t\r\n")) > 0 {
				where := "before"
				if done {
					where = "after"
				}
				return fail("text %s the root element", where)
			}
		}
	}
	if len(stack) > 0 {
		return fail("unexpected EOF: element <%s> not closed", qualified(stack[len(stack)-1].name))
	}
	if !done {
		return fail("no root element")
	}
	return root, nil
}
