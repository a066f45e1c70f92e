package iml

import (
	"strings"
	"time"
)

// Template is a compiled mapper string. It is safe for concurrent use.
type Template struct {
	src    string
	parts  []part
	single node // the only part when the source is exactly one {{…}}
	ref    *refNode
}

// part is literal text or an expression of a template.
type part struct {
	text string
	expr node
}

// Env is what a template is evaluated against.
type Env struct {
	// Scope answers references (11.data, var.input.NAME).
	Scope Scope
	// Now is the current time for now and timestamp; zero means time.Now().
	Now time.Time
	// Location is the scenario time zone used by date functions; nil means UTC.
	Location *time.Location
	// ExecutionID is the value of the executionId keyword.
	ExecutionID string
}

// Scope resolves the roots of references.
type Scope interface {
	// Lookup returns the value a reference's root names: a module id such as "11" (that module's
	// current output bundle, a map[string]any) or "var" (a collection holding "input", …).
	Lookup(root string) (any, bool)
}

// MapScope is a Scope backed by a map, for tests and `reqflow eval`.
type MapScope map[string]any

// Lookup returns m[root].
func (m MapScope) Lookup(root string) (any, bool) {
	v, ok := m[root]
	return v, ok
}

// Compile parses a mapper string: literal text with any number of {{…}}
// expressions. Syntax errors are *Error values naming the position.
func Compile(src string) (*Template, error) {
	t := &Template{src: src}
	pos := 0
	for pos < len(src) {
		i := strings.Index(src[pos:], "{{")
		if i < 0 {
			t.parts = append(t.parts, part{text: src[pos:]})
			break
		}
		// In a run of braces the last two open the formula: {{{1.x}}} is
		// "{" + 1.x + "}".
		for pos+i+2 < len(src) && src[pos+i+2] == '{' {
			i++
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: src[pos : pos+i]})
		}
		x, end, err := parseTemplateExpr(src, pos+i+2)
		if err != nil {
			pe, ok := err.(*parseError)
			if !strings.Contains(src[pos+i+2:], "}}") {
				return nil, newError(src, pos+i, "", `missing "}}"`, nil)
			}
			if !ok {
				return nil, newError(src, pos+i, "", err.Error(), err)
			}
			return nil, newError(src, pe.off, pe.fn, pe.msg, nil)
		}
		t.parts = append(t.parts, part{expr: x})
		pos = end
	}
	if len(t.parts) == 1 && t.parts[0].expr != nil {
		t.single = t.parts[0].expr
		t.ref, _ = t.single.(*refNode)
	}
	return t, nil
}

// MustCompile is Compile for tests and examples: it panics on a syntax error.
func MustCompile(src string) *Template {
	t, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return t
}

// Source returns the mapper string the template was compiled from.
func (t *Template) Source() string { return t.src }

// Static reports whether the source has no {{…}} at all; Eval then returns
// the source string.
func (t *Template) Static() bool {
	for _, p := range t.parts {
		if p.expr != nil {
			return false
		}
	}
	return true
}

// Eval evaluates the template. A source that is exactly one {{…}} yields the
// value of its expression with its type; otherwise the literal text and the
// text of every expression (ToText) are joined into a string. Errors are
// *Error values naming the position and, for function errors, the function.
// A nil env behaves like an empty Env.
func (t *Template) Eval(env *Env) (any, error) {
	if env == nil {
		env = &Env{}
	}
	if t.ref != nil {
		return t.ref.evalRef(t.src, env)
	}
	c := &evalCtx{src: t.src, env: env}
	if t.single != nil {
		return c.eval(t.single)
	}
	if len(t.parts) == 1 {
		return t.parts[0].text, nil
	}
	var b strings.Builder
	b.Grow(len(t.src) + 16*len(t.parts))
	for _, p := range t.parts {
		if p.expr == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := c.eval(p.expr)
		if err != nil {
			return nil, err
		}
		writeText(&b, v)
	}
	return b.String(), nil
}

// Roots returns the scope roots the template references (module ids such
// as "11", "var", bare names), each once, in order of appearance. The
// engine can use it to reject references to modules that do not exist.
func (t *Template) Roots() []string {
	var out []string
	seen := map[string]bool{}
	var visit func(n node)
	visitPath := func(path []seg) {
		for _, s := range path {
			if s.expr != nil {
				visit(s.expr)
			}
		}
	}
	visit = func(n node) {
		switch x := n.(type) {
		case *refNode:
			if !seen[x.root] {
				seen[x.root] = true
				out = append(out, x.root)
			}
			visitPath(x.path)
		case *pathNode:
			visit(x.base)
			visitPath(x.path)
		case *callNode:
			for _, a := range x.args {
				visit(a)
			}
		case *binNode:
			visit(x.l)
			visit(x.r)
		case *unaryNode:
			visit(x.x)
		}
	}
	for _, p := range t.parts {
		if p.expr != nil {
			visit(p.expr)
		}
	}
	return out
}
