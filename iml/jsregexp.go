package iml

import (
	"fmt"
	"regexp"
	"strings"
)

// CompileRegexp compiles a JavaScript regular expression, as Make's text
// parser modules take them, into a Go regexp. flags may hold i (case
// insensitive), m (multiline: ^ and $ match at line breaks) and s (dot
// matches a line break); g and the other JavaScript flags are accepted and
// ignored here. What RE2 cannot do (look-around, back-references) is an
// error naming the construct.
func CompileRegexp(pattern, flags string) (*regexp.Regexp, error) {
	if len(pattern) > maxRegexLen {
		return nil, fmt.Errorf("regular expression is longer than %d bytes", maxRegexLen)
	}
	src, err := translateJSRegex(pattern)
	if err != nil {
		return nil, err
	}
	prefix := ""
	for _, f := range "ims" {
		if strings.ContainsRune(flags, f) {
			prefix += string(f)
		}
	}
	if prefix != "" {
		src = "(?" + prefix + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("regular expression %s: %s", excerpt(pattern), regexErrText(err))
	}
	return re, nil
}

// ReplaceRegexp replaces the first match of re in s (every match when
// global) with repl, which may use JavaScript's $1…$99, $&, $`, $' and $$.
func ReplaceRegexp(re *regexp.Regexp, s, repl string, global bool) string {
	n := 1
	if global {
		n = -1
	}
	matches := re.FindAllStringSubmatchIndex(s, n)
	if len(matches) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		expandJSReplacement(&b, repl, s, m)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}
