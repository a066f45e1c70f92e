package iml

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// jsRegex is a JavaScript regular expression literal translated to Go.
type jsRegex struct {
	re     *regexp.Regexp
	global bool
}

var (
	regexCache sync.Map // "/src/flags" → *jsRegex
	regexCount int
	regexMu    sync.Mutex
)

// maxCachedRegexes bounds the regex cache; maxRegexLen the size of one
// pattern (Go's RE2 runs in linear time, so the input needs no bound).
const (
	maxCachedRegexes = 512
	maxRegexLen      = 16 << 10
)

// parseRegexLiteral reports whether s is a /pattern/flags literal and
// returns its pattern and flags.
func parseRegexLiteral(s string) (pattern, flags string, ok bool) {
	if len(s) < 2 || s[0] != '/' {
		return "", "", false
	}
	end := strings.LastIndexByte(s, '/')
	if end == 0 {
		return "", "", false
	}
	flags = s[end+1:]
	for _, f := range flags {
		if !strings.ContainsRune("gimsuyd", f) {
			return "", "", false
		}
	}
	return s[1:end], flags, true
}

// compileJSRegex translates and compiles a JavaScript regex.
func compileJSRegex(literal, pattern, flags string) (*jsRegex, error) {
	if r, ok := regexCache.Load(literal); ok {
		return r.(*jsRegex), nil
	}
	re, err := CompileRegexp(pattern, flags)
	if err != nil {
		return nil, err
	}
	r := &jsRegex{re: re, global: strings.ContainsRune(flags, 'g')}
	regexMu.Lock()
	if regexCount < maxCachedRegexes {
		regexCache.Store(literal, r)
		regexCount++
	}
	regexMu.Unlock()
	return r, nil
}

// regexErrText shortens Go's regexp errors.
func regexErrText(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, "error parsing regexp: ")
}

var errBackref = errors.New("back-references (\\1) are not supported (Go's RE2 engine)")

// translateJSRegex rewrites the JavaScript syntax that Go's RE2 spells
// differently, and rejects what RE2 cannot do (look-around, back-references).
func translateJSRegex(p string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			switch {
			case n == 'u' && i+2 < len(p) && p[i+2] == '{':
				end := strings.IndexByte(p[i:], '}')
				if end < 0 {
					return "", fmt.Errorf("regular expression %s: bad \\u{…} escape", excerpt(p))
				}
				b.WriteString(`\x{` + p[i+3:i+end] + `}`)
				i += end
			case n == 'u' && i+5 < len(p) && isHex(p[i+2]) && isHex(p[i+3]) && isHex(p[i+4]) && isHex(p[i+5]):
				b.WriteString(`\x{` + p[i+2:i+6] + `}`)
				i += 5
			case n == 'c' && i+2 < len(p) && (p[i+2]|0x20 >= 'a' && p[i+2]|0x20 <= 'z'):
				fmt.Fprintf(&b, `\x{%x}`, p[i+2]&31)
				i += 2
			case n == '0':
				b.WriteString(`\x00`)
				i++
			case n >= '1' && n <= '9' && !inClass:
				return "", fmt.Errorf("regular expression %s: %w", excerpt(p), errBackref)
			case n == 'k' && i+2 < len(p) && p[i+2] == '<':
				return "", fmt.Errorf("regular expression %s: named back-references (\\k<…>) are not supported (Go's RE2 engine)", excerpt(p))
			case n == 'b' && inClass:
				b.WriteString(`\x08`)
				i++
			case n == '/':
				b.WriteByte('/')
				i++
			case n == 'd' || n == 'D' || n == 'w' || n == 'W' || n == 's' || n == 'S' || n == 'b' || n == 'B' ||
				n == 'n' || n == 'r' || n == 't' || n == 'f' || n == 'v' || n == 'x' || n == 'p' || n == 'P':
				b.WriteByte('\\')
				b.WriteByte(n)
				i++
			case n < 0x80 && (n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z'):
				// JavaScript treats an unknown letter escape as the letter.
				b.WriteByte(n)
				i++
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
				i++
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			if strings.HasPrefix(p[i:], "[^]") {
				b.WriteString(`[\s\S]`)
				i += 2
				continue
			}
			if strings.HasPrefix(p[i:], "[]") {
				b.WriteString(`[^\s\S]`)
				i++
				continue
			}
			inClass = true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == '(' && strings.HasPrefix(p[i:], "(?="), c == '(' && strings.HasPrefix(p[i:], "(?!"):
			return "", fmt.Errorf("regular expression %s: look-ahead (?=…) and (?!…) are not supported (Go's RE2 engine)", excerpt(p))
		case c == '(' && (strings.HasPrefix(p[i:], "(?<=") || strings.HasPrefix(p[i:], "(?<!")):
			return "", fmt.Errorf("regular expression %s: look-behind (?<=…) and (?<!…) are not supported (Go's RE2 engine)", excerpt(p))
		case c == '(' && strings.HasPrefix(p[i:], "(?<"):
			b.WriteString("(?P<")
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// expandJSReplacement builds the replacement of one match: $1…$99, $&,
// $`, $' and $$ as in JavaScript.
func expandJSReplacement(b *strings.Builder, repl, s string, m []int) {
	groups := len(m)/2 - 1
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '$' || i+1 >= len(repl) {
			b.WriteByte(c)
			continue
		}
		n := repl[i+1]
		switch {
		case n == '$':
			b.WriteByte('$')
			i++
		case n == '&':
			b.WriteString(s[m[0]:m[1]])
			i++
		case n == '`':
			b.WriteString(s[:m[0]])
			i++
		case n == '\'':
			b.WriteString(s[m[1]:])
			i++
		case n >= '0' && n <= '9':
			// Two digits when that group exists, else one.
			g, width := -1, 0
			if i+2 < len(repl) && isDigit(repl[i+2]) {
				if v, _ := strconv.Atoi(repl[i+1 : i+3]); v >= 1 && v <= groups {
					g, width = v, 2
				}
			}
			if g < 0 {
				if v := int(n - '0'); v >= 1 && v <= groups {
					g, width = v, 1
				}
			}
			if g < 0 {
				b.WriteByte(c)
				continue
			}
			if m[2*g] >= 0 {
				b.WriteString(s[m[2*g]:m[2*g+1]])
			}
			i += width
		default:
			b.WriteByte(c)
		}
	}
}

// replace(text; search; replacement): search is plain text (every
// occurrence is replaced) or a /pattern/flags regular expression whose
// replacement may use $1…$99 and $&.
func fnReplace(c *call, args []any) (any, error) {
	s := argText(args, 0)
	search := argText(args, 1)
	repl := argText(args, 2)
	pattern, flags, ok := parseRegexLiteral(search)
	if !ok {
		if search == "" {
			return s, nil
		}
		return strings.ReplaceAll(s, search, repl), nil
	}
	re, err := compileJSRegex(search, pattern, flags)
	if err != nil {
		return nil, argError(1, "%s", err.Error())
	}
	n := 1
	if re.global {
		n = -1
	}
	matches := re.re.FindAllStringSubmatchIndex(s, n)
	if len(matches) == 0 {
		return s, nil
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		expandJSReplacement(&b, repl, s, m)
		last = m[1]
		if b.Len() > maxResult {
			return nil, errTooLarge
		}
	}
	b.WriteString(s[last:])
	return b.String(), nil
}
