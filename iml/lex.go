package iml

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token inside {{…}}.
type tokKind int

const (
	tEOF      tokKind = iota // end of source (no closing "}}")
	tEnd                     // "}}"
	tNumber                  // 12, 3.5
	tString                  // "text"
	tIdent                   // name, keyword, function name
	tBacktick                // `name`
	tModule                  // digits directly followed by "." and a name: 11 in 11.data
	tDot                     // .
	tLBrack                  // [
	tRBrack                  // ]
	tLParen                  // (
	tRParen                  // )
	tSemi                    // ;
	tOp                      // + - * / % = != < > <= >= & |
)

// token is one lexical token; off is its byte offset in the source.
type token struct {
	kind tokKind
	off  int
	text string // identifier, operator, number text, unquoted string value
}

// lexer scans the expression part of a template, starting after "{{".
type lexer struct {
	src string
	pos int
}

// lexError is a scanning error at a byte offset.
type lexError struct {
	off int
	msg string
}

func (e *lexError) Error() string { return e.msg }

func isIdentStart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipSpace skips white space.
func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		l.pos += n
	}
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	l.skipSpace()
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, off: start}, nil
	}
	c := l.src[l.pos]
	switch c {
	case '}':
		if strings.HasPrefix(l.src[l.pos:], "}}") {
			l.pos += 2
			return token{kind: tEnd, off: start}, nil
		}
		return token{}, &lexError{start, `unexpected "}"`}
	case '"':
		return l.lexString()
	case '`':
		end := strings.IndexByte(l.src[l.pos+1:], '`')
		if end < 0 {
			return token{}, &lexError{start, "missing closing \"`\""}
		}
		l.pos += end + 2
		return token{kind: tBacktick, off: start, text: l.src[start+1 : start+1+end]}, nil
	case '.':
		l.pos++
		return token{kind: tDot, off: start}, nil
	case '[':
		l.pos++
		return token{kind: tLBrack, off: start}, nil
	case ']':
		l.pos++
		return token{kind: tRBrack, off: start}, nil
	case '(':
		l.pos++
		return token{kind: tLParen, off: start}, nil
	case ')':
		l.pos++
		return token{kind: tRParen, off: start}, nil
	case ';':
		l.pos++
		return token{kind: tSemi, off: start}, nil
	case '+', '-', '*', '/', '%', '=', '&', '|':
		l.pos++
		return token{kind: tOp, off: start, text: l.src[start:l.pos]}, nil
	case '!':
		if strings.HasPrefix(l.src[l.pos:], "!=") {
			l.pos += 2
			return token{kind: tOp, off: start, text: "!="}, nil
		}
		return token{}, &lexError{start, `unexpected "!"`}
	case '<', '>':
		l.pos++
		if l.pos < len(l.src) && l.src[l.pos] == '=' {
			l.pos++
		} else if c == '<' && l.pos < len(l.src) && l.src[l.pos] == '>' {
			l.pos++
			return token{kind: tOp, off: start, text: "!="}, nil
		}
		return token{kind: tOp, off: start, text: l.src[start:l.pos]}, nil
	}
	if isDigit(c) {
		return l.lexNumber()
	}
	r, n := utf8.DecodeRuneInString(l.src[l.pos:])
	if isIdentStart(r) {
		l.pos += n
		for l.pos < len(l.src) {
			r, n := utf8.DecodeRuneInString(l.src[l.pos:])
			if !isIdentPart(r) {
				break
			}
			l.pos += n
		}
		return token{kind: tIdent, off: start, text: l.src[start:l.pos]}, nil
	}
	return token{}, &lexError{start, fmt.Sprintf("unexpected %q", r)}
}

// lexString scans a double-quoted string; "" inside is one quote.
func (l *lexer) lexString() (token, error) {
	start := l.pos
	l.pos++
	var b strings.Builder
	seg := l.pos
	for {
		i := strings.IndexByte(l.src[l.pos:], '"')
		if i < 0 {
			l.pos = len(l.src)
			return token{}, &lexError{start, `missing closing '"'`}
		}
		l.pos += i
		if l.pos+1 < len(l.src) && l.src[l.pos+1] == '"' {
			b.WriteString(l.src[seg : l.pos+1])
			l.pos += 2
			seg = l.pos
			continue
		}
		if b.Len() == 0 {
			s := l.src[seg:l.pos]
			l.pos++
			return token{kind: tString, off: start, text: s}, nil
		}
		b.WriteString(l.src[seg:l.pos])
		l.pos++
		return token{kind: tString, off: start, text: b.String()}, nil
	}
}

// lexNumber scans a number, or a module id when the digits are directly
// followed by "." and a name (11.data, 1.`Name`).
func (l *lexer) lexNumber() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	if l.pos+1 < len(l.src) && l.src[l.pos] == '.' {
		c := l.src[l.pos+1]
		if isDigit(c) {
			l.pos++
			for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
				l.pos++
			}
		} else {
			r, _ := utf8.DecodeRuneInString(l.src[l.pos+1:])
			if c == '`' || isIdentStart(r) {
				return token{kind: tModule, off: start, text: l.src[start:l.pos]}, nil
			}
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		p := l.pos + 1
		if p < len(l.src) && (l.src[p] == '+' || l.src[p] == '-') {
			p++
		}
		if p < len(l.src) && isDigit(l.src[p]) {
			for p < len(l.src) && isDigit(l.src[p]) {
				p++
			}
			l.pos = p
		}
	}
	return token{kind: tNumber, off: start, text: l.src[start:l.pos]}, nil
}
