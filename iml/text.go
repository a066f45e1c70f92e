package iml

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/reqflow/reqflow/bundle"
)

func init() {
	register(
		fn("ascii", 1, 2, fnASCII),
		fn("base64", 1, 1, fnBase64),
		fn("capitalize", 1, 1, fnCapitalize),
		fn("contains", 2, 2, fnContains),
		fn("decodeURL", 1, 1, fnDecodeURL),
		fn("encodeURL", 1, 1, fnEncodeURL),
		fn("escapeHTML", 1, 1, fnEscapeHTML),
		fn("escapeMarkdown", 1, 1, fnEscapeMarkdown),
		fn("indexOf", 2, 3, fnIndexOf),
		fn("length", 1, 1, fnLength),
		fn("lower", 1, 1, func(c *call, a []any) (any, error) { return strings.ToLower(argText(a, 0)), nil }),
		fn("upper", 1, 1, func(c *call, a []any) (any, error) { return strings.ToUpper(argText(a, 0)), nil }),
		fn("md5", 1, 1, fnMD5),
		fn("replace", 3, 3, fnReplace),
		fn("replaceEmojiCharacters", 1, 2, fnReplaceEmoji),
		fn("sha1", 1, 4, hashFunc(sha1.New)),
		fn("sha256", 1, 4, hashFunc(sha256.New)),
		fn("sha512", 1, 4, hashFunc(sha512.New)),
		fn("split", 2, 2, fnSplit),
		fn("startcase", 1, 1, fnStartCase),
		fn("stripHTML", 1, 1, fnStripHTML),
		fn("substring", 2, 3, fnSubstring),
		fn("toBinary", 1, 2, fnToBinary),
		fn("toString", 1, 1, func(c *call, a []any) (any, error) { return ToText(a[0]), nil }),
		fn("trim", 1, 1, func(c *call, a []any) (any, error) { return strings.TrimFunc(argText(a, 0), isJSSpace), nil }),
	)
}

// bytesOf returns the bytes of a buffer, a file or the text of any other value.
func bytesOf(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case *bundle.File:
		if x != nil {
			return fileBytes(x)
		}
		return nil
	}
	return []byte(ToText(v))
}

// ascii(text; [removeDiacritics]) drops non-ASCII characters; with true it
// first turns accented letters into their base letters.
func fnASCII(c *call, args []any) (any, error) {
	s := argText(args, 0)
	if ToBool(arg(args, 1)) {
		s = removeAccents(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// removeAccents decomposes letters and drops the combining marks.
func removeAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

func fnBase64(c *call, args []any) (any, error) {
	return base64.StdEncoding.EncodeToString(bytesOf(args[0])), nil
}

func fnCapitalize(c *call, args []any) (any, error) {
	s := argText(args, 0)
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s, nil
	}
	return string(unicode.ToUpper(r)) + s[n:], nil
}

// contains(text; search) or contains(array; value)
func fnContains(c *call, args []any) (any, error) {
	if arr, ok := args[0].([]any); ok {
		for _, e := range arr {
			if equal(e, args[1]) {
				return true, nil
			}
		}
		return false, nil
	}
	return strings.Contains(argText(args, 0), argText(args, 1)), nil
}

// decodeURL works as JavaScript's decodeURIComponent.
func fnDecodeURL(c *call, args []any) (any, error) {
	s := argText(args, 0)
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return nil, argError(0, "malformed percent-encoding at character %d", utf8.RuneCountInString(s[:i])+1)
		}
		b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
		i += 2
	}
	if !utf8.Valid(b) {
		return nil, argError(0, "percent-encoding is not valid UTF-8")
	}
	return string(b), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// encodeURL works as JavaScript's encodeURIComponent: everything but
// A–Z a–z 0–9 - _ . ! ~ * ' ( ) is percent-encoded as UTF-8.
func fnEncodeURL(c *call, args []any) (any, error) {
	s := validUTF8(argText(args, 0))
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || strings.IndexByte("-_.!~*'()", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[ch>>4])
		b.WriteByte(hexDigits[ch&15])
	}
	return b.String(), nil
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func fnEscapeHTML(c *call, args []any) (any, error) {
	return htmlEscaper.Replace(argText(args, 0)), nil
}

// escapeMarkdown replaces Markdown's special characters with numeric HTML
// character references (# → &#35;), as Make's documentation shows.
func fnEscapeMarkdown(c *call, args []any) (any, error) {
	s := argText(args, 0)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()#+-.!|<>~", r) {
			b.WriteString("&#")
			b.WriteString(formatJSNumber(float64(r)))
			b.WriteByte(';')
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

// indexOf(text; value; [start]) returns the 0-based character position of
// value in text, or -1.
func fnIndexOf(c *call, args []any) (any, error) {
	s := []rune(argText(args, 0))
	sub := []rune(argText(args, 1))
	start, err := optInt(args, 2, 0)
	if err != nil {
		return nil, err
	}
	if start < 0 {
		start = 0
	}
	for i := start; i+len(sub) <= len(s); i++ {
		if string(s[i:i+len(sub)]) == string(sub) {
			return float64(i), nil
		}
	}
	return -1.0, nil
}

// length(text | buffer | array | collection): characters, bytes, items, keys.
func fnLength(c *call, args []any) (any, error) {
	switch x := args[0].(type) {
	case nil:
		return 0.0, nil
	case []any:
		return float64(len(x)), nil
	case map[string]any:
		return float64(len(x)), nil
	case []byte:
		return float64(len(x)), nil
	case *bundle.File:
		if x == nil {
			return 0.0, nil
		}
		if x.Data == nil {
			return float64(x.Size), nil
		}
		return float64(len(x.Data)), nil
	}
	return float64(utf8.RuneCountInString(ToText(args[0]))), nil
}

func fnMD5(c *call, args []any) (any, error) {
	sum := md5.Sum(bytesOf(args[0]))
	return hex.EncodeToString(sum[:]), nil
}

// hashFunc builds sha1/sha256/sha512(value; [encoding]; [key]; [keyEncoding]):
// a digest, or an HMAC when a key is given; encoding hex (default), base64 or
// latin1; key encoding text (default), hex, base64 or binary.
func hashFunc(newHash func() hash.Hash) func(c *call, args []any) (any, error) {
	return func(c *call, args []any) (any, error) {
		enc := strings.ToLower(strings.TrimSpace(optText(args, 1, "hex")))
		var h hash.Hash
		if key := arg(args, 2); key != nil && !(key == "") {
			kb, err := keyBytes(key, strings.ToLower(strings.TrimSpace(optText(args, 3, "text"))))
			if err != nil {
				return nil, err
			}
			h = hmac.New(newHash, kb)
		} else {
			h = newHash()
		}
		if err := writeHashed(h, args[0]); err != nil {
			return nil, err
		}
		sum := h.Sum(nil)
		switch enc {
		case "hex", "":
			return hex.EncodeToString(sum), nil
		case "base64":
			return base64.StdEncoding.EncodeToString(sum), nil
		case "latin1", "binary":
			return latin1(sum), nil
		}
		return nil, argError(1, "unknown encoding %s (expected hex, base64 or latin1)", excerpt(enc))
	}
}

// latin1 reads bytes as ISO-8859-1 characters.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// keyBytes decodes an HMAC key. Errors never quote the key.
func keyBytes(key any, enc string) ([]byte, error) {
	switch enc {
	case "text", "":
		return bytesOf(key), nil
	case "binary":
		switch key.(type) {
		case []byte, *bundle.File:
			return bytesOf(key), nil
		}
		return nil, argError(2, "key encoding binary expects a buffer, got %s", typeName(key))
	case "hex":
		b, err := hex.DecodeString(strings.TrimSpace(ToText(key)))
		if err != nil {
			return nil, argError(2, "key is not valid hex")
		}
		return b, nil
	case "base64":
		b, err := decodeBase64(ToText(key))
		if err != nil {
			return nil, argError(2, "key is not valid base64")
		}
		return b, nil
	}
	return nil, argError(3, "unknown key encoding %s (expected text, hex, base64 or binary)", excerpt(enc))
}

// decodeBase64 accepts standard and URL alphabets, with or without padding.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// emojiRE matches emoji (pictographs, with their modifiers and joiners).
var emojiRE = regexp.MustCompile(`(?:[\x{1F000}-\x{1FAFF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}\x{1F1E6}-\x{1F1FF}\x{2190}-\x{21FF}\x{2300}-\x{23FF}\x{3030}\x{303D}\x{3297}\x{3299}\x{00A9}\x{00AE}\x{2122}\x{2049}\x{203C}]` +
	`[\x{FE0E}\x{FE0F}\x{1F3FB}-\x{1F3FF}\x{20E3}\x{E0020}-\x{E007F}]*` +
	`(?:\x{200D}[\x{1F000}-\x{1FAFF}\x{2600}-\x{27BF}][\x{FE0E}\x{FE0F}\x{1F3FB}-\x{1F3FF}]*)*)`)

// replaceEmojiCharacters(text; [replacement]) replaces every emoji.
func fnReplaceEmoji(c *call, args []any) (any, error) {
	return emojiRE.ReplaceAllLiteralString(argText(args, 0), optText(args, 1, "")), nil
}

// split(text; separator) splits as JavaScript's String.split; an empty
// separator splits into characters.
func fnSplit(c *call, args []any) (any, error) {
	s := argText(args, 0)
	sep := argText(args, 1)
	var parts []string
	if sep == "" {
		parts = strings.Split(s, "")
	} else {
		parts = strings.Split(s, sep)
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// startcase capitalizes every word and lower-cases the other letters.
func fnStartCase(c *call, args []any) (any, error) {
	s := argText(args, 0)
	var b strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsSpace(r) {
			start = true
			b.WriteRune(r)
			continue
		}
		if start {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = false
	}
	return b.String(), nil
}

var (
	htmlTagRE    = regexp.MustCompile(`(?s)<!--.*?-->|<[a-zA-Z/!][^>]*>`)
	htmlScriptRE = regexp.MustCompile(`(?is)<(script|style)\b[^>]*>.*?</(script|style)\s*>`)
)

// stripHTML removes HTML tags (and script/style content) and decodes
// character references.
func fnStripHTML(c *call, args []any) (any, error) {
	s := argText(args, 0)
	s = htmlScriptRE.ReplaceAllString(s, "")
	s = htmlTagRE.ReplaceAllString(s, "")
	return html.UnescapeString(s), nil
}

// substring(text; start; [end]) works as JavaScript's String.substring:
// 0-based, end exclusive, arguments clamped and swapped when reversed.
func fnSubstring(c *call, args []any) (any, error) {
	s := []rune(argText(args, 0))
	start, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	end, err := optInt(args, 2, len(s))
	if err != nil {
		return nil, err
	}
	clamp := func(n int) int { return max(0, min(n, len(s))) }
	start, end = clamp(start), clamp(end)
	if start > end {
		start, end = end, start
	}
	return string(s[start:end]), nil
}

// toBinary(value; [encoding]) makes a buffer: text as UTF-8, or decoded
// from hex or base64.
func fnToBinary(c *call, args []any) (any, error) {
	enc := strings.ToLower(strings.TrimSpace(optText(args, 1, "")))
	switch enc {
	case "", "utf8", "utf-8", "text", "binary":
		b := bytesOf(args[0])
		if _, ok := args[0].([]byte); ok {
			return b, nil
		}
		return append([]byte(nil), b...), nil
	case "hex":
		b, err := hex.DecodeString(strings.TrimSpace(argText(args, 0)))
		if err != nil {
			return nil, argError(0, "not valid hex")
		}
		return b, nil
	case "base64":
		b, err := decodeBase64(argText(args, 0))
		if err != nil {
			return nil, argError(0, "not valid base64")
		}
		return b, nil
	case "latin1":
		var b []byte
		for _, r := range argText(args, 0) {
			b = append(b, byte(r))
		}
		return b, nil
	}
	return nil, argError(1, "unknown encoding %s (expected hex, base64 or utf8)", excerpt(enc))
}

// isJSSpace reports the characters JavaScript's String.trim removes.
func isJSSpace(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' }
