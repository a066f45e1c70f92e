package iml

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxDepth bounds the nesting of a formula so that parsing and evaluation
// never exhaust the stack.
const maxDepth = 200

// parseError is a syntax error at a byte offset. A soft error inside a
// function argument makes the parser take the argument as literal text;
// a fatal one (unknown function, wrong argument count) is always reported.
type parseError struct {
	off   int
	fn    string
	msg   string
	fatal bool
	bare  bool // an unknown bare name
}

func (e *parseError) Error() string { return e.msg }

// parser builds the syntax tree of one {{…}} expression.
type parser struct {
	src   string
	lx    lexer
	tok   token
	depth int
	// bareRefs makes a bare name outside function arguments a reference
	// to a scope root of that name ({{airtableBaseId}}, {{foo.bar}}).
	bareRefs bool
}

func (p *parser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		le := err.(*lexError)
		return &parseError{off: le.off, msg: le.msg}
	}
	p.tok = t
	return nil
}

func (p *parser) errorf(off int, format string, args ...any) *parseError {
	return &parseError{off: off, msg: fmt.Sprintf(format, args...)}
}

// binary operator precedences, loosest first.
const (
	precOr = iota + 1
	precAnd
	precCmp
	precAdd
	precMul
)

// binop reports the operator at the current token and its precedence, or
// 0 when the token is not a binary operator.
func (p *parser) binop() (string, int) {
	switch p.tok.kind {
	case tOp:
		switch p.tok.text {
		case "|":
			return "or", precOr
		case "&":
			return "and", precAnd
		case "=", "!=", "<", ">", "<=", ">=":
			return p.tok.text, precCmp
		case "+", "-":
			return p.tok.text, precAdd
		case "*", "/", "%":
			return p.tok.text, precMul
		}
	case tIdent:
		switch p.tok.text {
		case "or":
			return "or", precOr
		case "and":
			return "and", precAnd
		case "mod":
			return "%", precMul
		}
	}
	return "", 0
}

func (p *parser) enter(off int) error {
	p.depth++
	if p.depth > maxDepth {
		return &parseError{off: off, msg: "formula is nested too deeply", fatal: true}
	}
	return nil
}

// parseExpr parses operators binding tighter than prec.
func (p *parser) parseExpr(prec int) (node, error) {
	if err := p.enter(p.tok.off); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		op, opPrec := p.binop()
		if opPrec == 0 || opPrec <= prec {
			return left, nil
		}
		off := p.tok.off
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseExpr(opPrec)
		if err != nil {
			return nil, err
		}
		left = &binNode{off: off, op: op, l: left, r: right}
	}
}

func (p *parser) parseUnary() (node, error) {
	if err := p.enter(p.tok.off); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	off := p.tok.off
	if p.tok.kind == tOp && (p.tok.text == "-" || p.tok.text == "+") {
		op := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if op == "+" {
			return &unaryNode{off: off, op: "+", x: x}, nil
		}
		if l, ok := x.(*litNode); ok {
			if f, ok := l.v.(float64); ok {
				return &litNode{v: -f}, nil
			}
		}
		return &unaryNode{off: off, op: "-", x: x}, nil
	}
	if p.tok.kind == tIdent && p.tok.text == "not" {
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &unaryNode{off: off, op: "not", x: x}, nil
	}
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	return p.parsePostfix(x)
}

// parsePostfix parses .key, [n], [] and [expr] after a value.
func (p *parser) parsePostfix(x node) (node, error) {
	var segs []seg
	for {
		switch p.tok.kind {
		case tDot:
			if err := p.advance(); err != nil {
				return nil, err
			}
			switch p.tok.kind {
			case tIdent, tBacktick, tModule:
				segs = append(segs, seg{kind: segKey, key: p.tok.text, off: p.tok.off})
			case tNumber:
				for _, k := range strings.Split(p.tok.text, ".") {
					segs = append(segs, seg{kind: segKey, key: k, off: p.tok.off})
				}
			default:
				return nil, p.errorf(p.tok.off, "expected a name after \".\"")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		case tLBrack:
			off := p.tok.off
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind == tRBrack {
				segs = append(segs, seg{kind: segIndex, idx: 1, off: off})
			} else {
				e, err := p.parseExpr(0)
				if err != nil {
					return nil, err
				}
				if p.tok.kind != tRBrack {
					return nil, p.errorf(off, `missing "]"`)
				}
				s := seg{kind: segExpr, expr: e, off: off}
				if l, ok := e.(*litNode); ok {
					if v, ok := l.v.(float64); ok && v == math.Trunc(v) && math.Abs(v) < 1<<40 {
						s = seg{kind: segIndex, idx: int(v), off: off}
					}
				}
				segs = append(segs, s)
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		default:
			if len(segs) == 0 {
				return x, nil
			}
			if r, ok := x.(*refNode); ok && r.path == nil {
				r.path = segs
				return r, nil
			}
			return &pathNode{base: x, path: segs}, nil
		}
	}
}

func (p *parser) parsePrimary() (node, error) {
	t := p.tok
	switch t.kind {
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.errorf(t.off, "bad number %q", t.text)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &litNode{v: f}, nil
	case tString:
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &litNode{v: t.text}, nil
	case tModule, tBacktick:
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &refNode{off: t.off, root: t.text}, nil
	case tLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseExpr(0)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errorf(t.off, `missing ")"`)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return x, nil
	case tIdent:
		return p.parseIdent()
	case tEnd, tEOF:
		return nil, p.errorf(t.off, "missing value")
	}
	return nil, p.errorf(t.off, "unexpected %s", describe(t))
}

// describe names a token for error messages.
func describe(t token) string {
	switch t.kind {
	case tEnd:
		return `"}}"`
	case tEOF:
		return "end of text"
	case tDot:
		return `"."`
	case tLBrack:
		return `"["`
	case tRBrack:
		return `"]"`
	case tRParen:
		return `")"`
	case tLParen:
		return `"("`
	case tSemi:
		return `";"`
	}
	return fmt.Sprintf("%q", t.text)
}

// peekByte returns the next non-space byte after the current token.
func (p *parser) peekByte() byte {
	for i := p.lx.pos; i < len(p.src); i++ {
		switch p.src[i] {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return p.src[i]
	}
	return 0
}

func (p *parser) parseIdent() (node, error) {
	t := p.tok
	if p.peekByte() == '(' {
		return p.parseCall()
	}
	if t.kind == tIdent && t.text == "var" && p.lx.pos < len(p.src) && p.src[p.lx.pos] == '.' {
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &refNode{off: t.off, root: "var"}, nil
	}
	kw := t.text
	if k, ok := keywordsLower[strings.ToLower(kw)]; ok {
		kw = k
	}
	if v, ok := constants[kw]; ok {
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &litNode{v: v}, nil
	}
	if isDynamicKeyword(kw) {
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &kwNode{off: t.off, kw: kw}, nil
	}
	if p.bareRefs {
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &refNode{off: t.off, root: t.text}, nil
	}
	return nil, &parseError{off: t.off, msg: fmt.Sprintf("unknown name %q", t.text), bare: true}
}

func (p *parser) parseCall() (node, error) {
	name := p.tok
	fd := lookupFunc(name.text)
	if fd == nil {
		return nil, &parseError{off: name.off, msg: fmt.Sprintf("unknown function %q", name.text), fatal: true}
	}
	if err := p.advance(); err != nil { // to "("
		return nil, err
	}
	open := p.tok.off
	call := &callNode{off: name.off, fn: fd}
	for {
		a, empty, err := p.parseArg(open)
		if err != nil {
			return nil, err
		}
		if p.tok.kind == tRParen {
			if !empty || len(call.args) > 0 {
				call.args = append(call.args, a)
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			break
		}
		call.args = append(call.args, a) // p.tok is ";"
	}
	n := len(call.args)
	if n < fd.min || (fd.max >= 0 && n > fd.max) {
		return nil, &parseError{off: name.off, fn: fd.name, msg: arityMsg(fd, n), fatal: true}
	}
	return call, nil
}

func arityMsg(fd *funcDef, n int) string {
	var want string
	switch {
	case fd.max < 0:
		want = fmt.Sprintf("at least %d", fd.min)
	case fd.min == fd.max:
		want = strconv.Itoa(fd.min)
	default:
		want = fmt.Sprintf("%d to %d", fd.min, fd.max)
	}
	unit := "arguments"
	if want == "1" {
		unit = "argument"
	}
	return fmt.Sprintf("expected %s %s, got %d", want, unit, n)
}

// parseArg parses one function argument, starting just after "(" or ";",
// and leaves p.tok on the ";" or ")" that ends it. An empty argument is
// null (empty reports it); an argument that is not a valid expression is
// its literal text, trimmed.
func (p *parser) parseArg(open int) (x node, empty bool, err error) {
	start := p.lx.pos
	if err := p.advance(); err == nil {
		if p.tok.kind == tSemi || p.tok.kind == tRParen {
			return &litNode{v: nil}, true, nil
		}
		depth, bare := p.depth, p.bareRefs
		p.bareRefs = false
		x, err := p.parseExpr(0)
		p.bareRefs, p.depth = bare, depth
		if err == nil && (p.tok.kind == tSemi || p.tok.kind == tRParen) {
			return x, false, nil
		}
		if pe, ok := err.(*parseError); ok && pe.fatal {
			return nil, false, err
		}
	}
	end := rawEnd(p.src, start)
	p.lx.pos = end
	if err := p.advance(); err != nil {
		return nil, false, err
	}
	if p.tok.kind != tSemi && p.tok.kind != tRParen {
		return nil, false, &parseError{off: open, msg: `missing ")"`, fatal: true}
	}
	return &litNode{v: strings.TrimSpace(p.src[start:end])}, false, nil
}

// rawEnd finds the end of a literal-text argument starting at off: the
// first ";" or ")" outside parentheses and quotes, or "}}".
func rawEnd(src string, off int) int {
	depth := 0
	for i := off; i < len(src); i++ {
		switch src[i] {
		case '"':
			for i++; i < len(src); i++ {
				if src[i] == '"' {
					if i+1 < len(src) && src[i+1] == '"' {
						i++
						continue
					}
					break
				}
			}
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return i
			}
			depth--
		case ';':
			if depth == 0 {
				return i
			}
		case '}':
			if i+1 < len(src) && src[i+1] == '}' {
				return i
			}
		}
	}
	return len(src)
}

// parseTemplateExpr parses one expression starting at off (just after
// "{{") and returns it with the offset just after the closing "}}".
func parseTemplateExpr(src string, off int) (node, int, error) {
	x, end, err := parseTemplateExprMode(src, off, false)
	if pe, ok := err.(*parseError); ok && pe.bare {
		return parseTemplateExprMode(src, off, true)
	}
	return x, end, err
}

func parseTemplateExprMode(src string, off int, bareRefs bool) (node, int, error) {
	p := &parser{src: src, lx: lexer{src: src, pos: off}, bareRefs: bareRefs}
	if err := p.advance(); err != nil {
		return nil, 0, err
	}
	if p.tok.kind == tEnd {
		return nil, 0, p.errorf(p.tok.off, "empty expression")
	}
	x, err := p.parseExpr(0)
	if err != nil {
		return nil, 0, err
	}
	switch p.tok.kind {
	case tEnd:
		return x, p.lx.pos, nil
	case tEOF:
		return nil, 0, p.errorf(off-2, `missing "}}"`)
	case tRParen:
		return nil, 0, p.errorf(p.tok.off, `unexpected ")"`)
	}
	return nil, 0, p.errorf(p.tok.off, "unexpected %s, expected an operator or \"}}\"", describe(p.tok))
}
