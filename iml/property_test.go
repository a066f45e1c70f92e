package iml

import (
	"bytes"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// evalWith evaluates src with the given values as module 1's bundle.
func evalWith(t *rapid.T, src string, vals map[string]any) any {
	got, err := MustCompile(src).Eval(&Env{Scope: MapScope{"1": vals}})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return got
}

func TestPropertyBase64RoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		data := rapid.SliceOf(rapid.Byte()).Draw(t, "data")
		text := rapid.String().Draw(t, "text")
		got := evalWith(t, `{{toBinary(base64(1.data); "base64")}}`, map[string]any{"data": data})
		if !bytes.Equal(got.([]byte), data) {
			t.Fatalf("buffer round trip: got %x, want %x", got, data)
		}
		got = evalWith(t, `{{toString(toBinary(base64(1.text); "base64"))}}`, map[string]any{"text": text})
		if got != text {
			t.Fatalf("text round trip: got %q, want %q", got, text)
		}
	})
}

func TestPropertyURLRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.String().Draw(t, "text")
		enc := evalWith(t, `{{encodeURL(1.text)}}`, map[string]any{"text": text}).(string)
		for i := 0; i < len(enc); i++ {
			c := enc[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()%", c) >= 0) {
				t.Fatalf("encodeURL(%q) = %q contains %q", text, enc, c)
			}
		}
		dec := evalWith(t, `{{decodeURL(encodeURL(1.text))}}`, map[string]any{"text": text})
		if dec != text {
			t.Fatalf("round trip: got %q, want %q", dec, text)
		}
	})
}

func TestPropertySplitJoin(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		sep := rapid.StringN(1, 3, -1).Draw(t, "sep")
		text := rapid.String().Draw(t, "text")
		got := evalWith(t, `{{join(split(1.text; 1.sep); 1.sep)}}`, map[string]any{"text": text, "sep": sep})
		if got != text {
			t.Fatalf("join(split(%q; %q)) = %q", text, sep, got)
		}
		parts := evalWith(t, `{{split(1.text; 1.sep)}}`, map[string]any{"text": text, "sep": sep}).([]any)
		if len(parts) != strings.Count(text, sep)+1 {
			t.Fatalf("split(%q; %q) has %d parts", text, sep, len(parts))
		}
	})
}
