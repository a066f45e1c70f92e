package iml

import "testing"

func TestCompileAndReplaceRegexp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, flags, text, repl string
		global                     bool
		want                       string
	}{
		{`(\w+)@(\w+)`, "", "ada@example bob@test", "$2 at $1", false, "example at ada bob@test"},
		{`(\w+)@(\w+)`, "", "ada@example bob@test", "$2 at $1", true, "example at ada test at bob"},
		{`^x`, "m", "x1\nx2", "y", true, "y1\ny2"},
		{`a.b`, "s", "a\nb", "[$&]", false, "[a\nb]"},
		{`HELLO`, "i", "hello", "$$", false, "$"},
		{`(?<word>o)`, "", "foo", "0", true, "f00"},
	}
	for _, c := range cases {
		re, err := CompileRegexp(c.pattern, c.flags)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		if got := ReplaceRegexp(re, c.text, c.repl, c.global); got != c.want {
			t.Errorf("%s/%s on %q = %q, want %q", c.pattern, c.flags, c.text, got, c.want)
		}
	}
	if _, err := CompileRegexp(`a(?=b)`, ""); err == nil || err.Error() != `regular expression "a(?=b)": look-ahead (?=…) and (?!…) are not supported (Go's RE2 engine)` {
		t.Errorf("look-ahead error = %v", err)
	}
}
