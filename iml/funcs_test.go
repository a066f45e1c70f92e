package iml

import (
	"errors"
	"sort"
	"strings"
	"testing"
)

// evalCase is one formula and its expected result (JSON as printed by the
// command line) or error text.
type evalCase struct {
	src     string
	want    string
	wantErr string
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	env := setup(t)
	for _, tt := range cases {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			tpl, err := Compile(tt.src)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := tpl.Eval(env)
			if tt.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("got %v (%T), want *Error %q", err, err, tt.wantErr)
				}
				if err.Error() != tt.wantErr {
					t.Fatalf("error\n got  %q\n want %q", err.Error(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if g := asJSON(t, got); g != tt.want {
				t.Errorf("got %s, want %s", g, tt.want)
			}
		})
	}
}

func TestGeneralFunctions(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{src: `{{if(1.flag; "y"; "n")}}`, want: `"y"`},
		{src: `{{if(1.empty; "y"; "n")}}`, want: `"n"`},
		{src: `{{if(false; "y")}}`, want: `null`},
		{src: `{{if(true; "ok"; 1 / "x")}}`, want: `"ok"`},
		{src: `{{ifempty(1.missing; "B")}}`, want: `"B"`},
		{src: `{{ifempty(1.email; "B")}}`, want: `"ada@example.com"`},
		{src: `{{ifempty(emptyarray; "B")}}`, want: `"B"`},
		{src: `{{switch("B"; "A"; 1; "B"; 2)}}`, want: `2`},
		{src: `{{switch("Z"; "A"; 1; "B"; 2; "other")}}`, want: `"other"`},
		{src: `{{switch("Z"; "A"; 1)}}`, want: `null`},
		{src: "{{get(`1`; \"data.items[2].name\")}}", want: `"second"`},
		{src: "{{get(`1`; \"data.items.3.name\")}}", want: `"third"`},
		{src: `{{get(1.data.tags; 2)}}`, want: `"b"`},
		{src: "{{get(`1`; \"Customer Name\")}}", want: `"Ada Lovelace"`},
		{src: `{{omit(1.data.items[1]; "qty")}}`, want: `{"name":"first"}`},
		{src: `{{pick(1.data.items[1]; "qty"; "nope")}}`, want: `{"qty":1}`},
		{src: `{{pick(1.data.items[1]; split("qty,name"; ","))}}`, want: `{"name":"first","qty":1}`},
		{src: `{{omit("x"; "a")}}`, wantErr: `line 1, col 3: omit: argument 1: expected a collection, got text "x"`},
	})
}

func TestTextFunctions(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{src: `{{substring("Hello"; 1; 3)}}`, want: `"el"`},
		{src: `{{substring("Hello"; 3; 1)}}`, want: `"el"`},
		{src: `{{substring("Hello"; -2; 99)}}`, want: `"Hello"`},
		{src: `{{substring("héllo"; 1)}}`, want: `"éllo"`},
		{src: `{{substring("Hello"; "x")}}`, wantErr: `line 1, col 3: substring: argument 2: expected a number, got text "x"`},
		{src: `{{length("ěščřž")}}`, want: `5`},
		{src: `{{length(1.buf)}}`, want: `2`},
		{src: `{{length(1.data.tags)}}`, want: `3`},
		{src: `{{length(null)}}`, want: `0`},
		{src: `{{lower("ÀB")}} {{upper("àb")}}`, want: `"àb ÀB"`},
		{src: `{{capitalize("élan vital")}}`, want: `"Élan vital"`},
		{src: `{{startcase("hello WORLD  again")}}`, want: `"Hello World  Again"`},
		{src: `{{trim("  a b " + newline)}}`, want: `"a b"`},
		{src: `{{ascii("Wěošrčkřfžrýoáníté")}}`, want: `"Workfront"`},
		{src: `{{ascii("ěščřž"; true)}}`, want: `"escrz"`},
		{src: `{{base64("workfront")}}`, want: `"d29ya2Zyb250"`},
		{src: `{{base64(1.buf)}}`, want: `"aGk="`},
		{src: `{{toString(toBinary("TWFrZQ=="; "base64"))}}`, want: `"Make"`},
		{src: `{{toString(toBinary("4d616b65"; "hex"))}}`, want: `"Make"`},
		{src: `{{toBinary("zz"; "hex")}}`, wantErr: `line 1, col 3: toBinary: argument 1: not valid hex`},
		{src: `{{toBinary("x"; "rot13")}}`, wantErr: `line 1, col 3: toBinary: argument 2: unknown encoding "rot13" (expected hex, base64 or utf8)`},
		{src: `{{encodeURL("a b&c/d?é~*'()")}}`, want: `"a%20b%26c%2Fd%3F%C3%A9~*'()"`},
		{src: `{{decodeURL("a%20b%26c%2Fd%3F%C3%A9+")}}`, want: `"a b&c/d?é+"`},
		{src: `{{decodeURL("100%")}}`, wantErr: `line 1, col 3: decodeURL: argument 1: malformed percent-encoding at character 4`},
		{src: `{{escapeHTML("<a href=""x"">Tom & 'Jerry'</a>")}}`, want: `"&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"`},
		{src: `{{escapeMarkdown("# Header *bold*")}}`, want: `"&#35; Header &#42;bold&#42;"`},
		{src: `{{stripHTML("<p>Hello <b>world</b> &amp; co</p><script>x()</script>")}}`, want: `"Hello world & co"`},
		{src: `{{indexOf("Workfront"; "o")}} {{indexOf("Workfront"; "o"; 3)}} {{indexOf("ab"; "x")}}`, want: `"1 6 -1"`},
		{src: `{{contains("Hello World"; "lo W")}}`, want: `true`},
		{src: `{{contains(1.data.tags; "b")}}`, want: `true`},
		{src: `{{contains(1.data.tags; "z")}}`, want: `false`},
		{src: `{{split("a,b,,c"; ",")}}`, want: `["a","b","","c"]`},
		{src: `{{split("abc"; emptystring)}}`, want: `["a","b","c"]`},
		{src: `{{replace("a.b.c"; "."; "-")}}`, want: `"a-b-c"`},
		{src: `{{replace("aaa"; "/a/"; "b")}}`, want: `"baa"`},
		{src: `{{replace("Hello World"; "/o/gi"; "0")}}`, want: `"Hell0 W0rld"`},
		{src: `{{replace("John Smith"; "/(\w+)\s(\w+)/"; "$2, $1 [$&] $$ $3")}}`, want: `"Smith, John [John Smith] $ $3"`},
		{src: `{{replace("a1b22"; "/(?<num>\d+)/g"; "<$1>")}}`, want: `"a<1>b<22>"`},
		{src: `{{replace("x"; "/\u0078/"; "y")}}`, want: `"y"`},
		{src: `{{replace("a/b"; "/\//g"; "_")}}`, want: `"a_b"`},
		{src: `{{replace("line1` + "\n" + `line2"; "/^l/gm"; "L")}}`, want: `"Line1\nLine2"`},
		{src: `{{replace("ab"; "/a(?=b)/"; "x")}}`, wantErr: `line 1, col 3: replace: argument 2: regular expression "a(?=b)": look-ahead (?=…) and (?!…) are not supported (Go's RE2 engine)`},
		{src: `{{replace("aa"; "/(a)\1/"; "x")}}`, wantErr: `line 1, col 3: replace: argument 2: regular expression "(a)\\1": back-references (\1) are not supported (Go's RE2 engine)`},
		{src: `{{replace("aa"; "/(a/"; "x")}}`, wantErr: `line 1, col 3: replace: argument 2: regular expression "(a": missing closing ): ` + "`(a`"},
		{src: `{{replaceEmojiCharacters("hi 👋🏽 there 👨‍👩‍👧!"; "*")}}`, want: `"hi * there *!"`},
		{src: `{{md5("Workfront")}}`, want: `"b994e4962de9d66f6a37e2794e4f4882"`},
		{src: `{{sha1("workfront")}}`, want: `"b2b30b8ae1f9e5b40fbb0696eaabdbfd8d0c087f"`},
		{src: `{{sha256("workfront"; "hex"; "secret")}}`, want: `"5ec0d8e8db016ba33ce68c7416a7c026b90465143ced5aaa2dd7b9e2d3dc47e7"`},
		{src: `{{sha256("workfront"; "base64"; "c2VjcmV0"; "base64")}}`, want: `"XsDY6NsBa6M85ox0FqfAJrkEZRQ87VqqLde54tPcR+c="`},
		{src: `{{sha256("x"; "hex"; "secretkey"; "binary")}}`, wantErr: `line 1, col 3: sha256: argument 3: key encoding binary expects a buffer, got text`},
		{src: `{{sha256("x"; "hex"; "nothex-secret"; "hex")}}`, wantErr: `line 1, col 3: sha256: argument 3: key is not valid hex`},
		{src: `{{sha1("x"; "base32")}}`, wantErr: `line 1, col 3: sha1: argument 2: unknown encoding "base32" (expected hex, base64 or latin1)`},
		{src: `{{length(sha512("x"; "latin1"))}}`, want: `64`},
		{src: `{{toString(123)}}`, want: `"123"`},
	})
}

func TestMathFunctions(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{src: `{{abs(-3.7)}} {{ceil(1.1)}} {{floor(-1.1)}} {{trunc(-1.9)}}`, want: `"3.7 2 -2 -1"`},
		{src: `{{round(2.5)}} {{round(-2.5)}} {{round(1.005; 2)}} {{round(1234; -2)}}`, want: `"3 -2 1 1200"`},
		{src: `{{sum(1; 2; 3.5)}} {{sum(split("1,2"; ","))}} {{average(1; 2; 3; 4)}}`, want: `"6.5 3 2.5"`},
		{src: `{{max(1; 1.count; 2)}} {{min(split("5,3,9"; ","))}}`, want: `"3 3"`},
		{src: `{{sum(1; "x")}}`, wantErr: `line 1, col 3: sum: argument 2: expected a number, got text "x"`},
		{src: `{{formatNumber(1234567.891; 2)}}`, want: `"1.234.567,89"`},
		{src: `{{formatNumber(1234567.891; 2; "."; ",")}}`, want: `"1,234,567.89"`},
		{src: `{{formatNumber(-1234.5; 0; "."; " ")}}`, want: `"-1 235"`},
		{src: `{{formatNumber(999; 1; "."; )}}`, want: `"999.0"`},
		{src: `{{formatNumber(1; 101)}}`, wantErr: `line 1, col 3: formatNumber: argument 2: decimals must be between 0 and 100, got 101`},
		{src: `{{parseNumber("1,234.5")}} {{parseNumber("-1.234,5"; ",")}} {{parseNumber("1e3")}}`, want: `"1234.5 -1234.5 1000"`},
		{src: `{{parseNumber("abc")}}`, wantErr: `line 1, col 3: parseNumber: argument 1: "abc" is not a number`},
	})
}

func TestArrayFunctions(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{src: `{{add(1.data.tags; "d"; 5)}}`, want: `["a","b","c","d",5]`},
		{src: `{{add(emptyarray; 1)}}`, want: `[1]`},
		{src: `{{first(1.data.tags)}} {{last(1.data.tags)}} {{first(emptyarray)}}`, want: `"a c "`},
		{src: `{{deduplicate(split("a,b,a,1"; ","))}}`, want: `["a","b","1"]`},
		{src: `{{distinct(add(emptyarray; 1; "1"; 1; 2))}}`, want: `[1,"1",2]`},
		{src: `{{length(distinct(1.data.items; "qty"))}}`, want: `3`},
		{src: `{{flatten(add(emptyarray; 1; split("a,b"; ","); add(emptyarray; add(emptyarray; 2))))}}`, want: `[1,"a","b",[2]]`},
		{src: `{{join(1.data.tags; " | ")}} {{join(1.data.tags)}}`, want: `"a | b | c a,b,c"`},
		{src: `{{keys(1.data.items[1])}}`, want: `["name","qty"]`},
		{src: `{{map(1.data.items; "name")}}`, want: `["first","second","third"]`},
		{src: `{{map(1.data.items; "name"; "qty"; "1,3")}}`, want: `["first","third"]`},
		{src: `{{merge(1.data.tags; split("d"; ","))}}`, want: `["a","b","c","d"]`},
		{src: `{{merge(1.data.items[1]; 1.data.items[2])}}`, want: `{"name":"second","qty":2}`},
		{src: `{{remove(1.data.tags; "b"; "c")}}`, want: `["a"]`},
		{src: `{{reverse(1.data.tags)}}`, want: `["c","b","a"]`},
		{src: `{{length(shuffle(1.data.tags))}}`, want: `3`},
		{src: `{{slice(1.data.tags; 1)}} {{slice(1.data.tags; 0; -1)}} {{slice(1.data.tags; 5)}}`, want: `"b, c a, b "`},
		{src: `{{sort(split("b,C,a"; ","))}}`, want: `["C","a","b"]`},
		{src: `{{sort(split("b,C,a"; ","); "asc ci")}}`, want: `["a","b","C"]`},
		{src: `{{sort(1.data.items; "desc"; "qty")}}`, want: `[{"name":"third","qty":3},{"name":"second","qty":2},{"name":"first","qty":1}]`},
		{src: `{{sort(add(emptyarray; 10; 9; 100))}}`, want: `[9,10,100]`},
		{src: `{{sort(1.data.tags; "up")}}`, wantErr: `line 1, col 3: sort: argument 2: unknown order "up" (expected asc, desc, asc ci or desc ci)`},
		{src: `{{toArray(1.data.items[1])}}`, want: `[{"key":"name","value":"first"},{"key":"qty","value":1}]`},
		{src: `{{toCollection(toArray(1.data.items[2]); "key"; "value")}}`, want: `{"name":"second","qty":2}`},
	})
}

func TestOperatorErrors(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{src: `{{1.email - 1}}`, wantErr: `line 1, col 11: operator "-": expected a number on the left, got text "ada@example.com"`},
		{src: `{{2 * 1.data}}`, wantErr: `line 1, col 5: operator "*": expected a number on the right, got collection`},
		{src: `{{-"abc"}}`, wantErr: `line 1, col 3: operator "-": expected a number, got text "abc"`},
		{src: "{{1 +\n  \"x\" / 2}}", wantErr: `line 2, col 7: operator "/": expected a number on the left, got text "x"`},
		{src: `{{"a very long text that should be shortened in errors" % 2}}`, wantErr: `line 1, col 57: operator "%": expected a number on the left, got text "a very long text that sh"…`},
		{src: `{{if(true; substring("x"; "y"))}}`, wantErr: `line 1, col 12: substring: argument 2: expected a number, got text "y"`},
		{src: `{{"10" / "4"}} {{"3" * 1.count}} {{null * 2}} {{true + 1}}`, want: `"2.5 9 0 2"`},
	})
}

// TestLibraryCoversDesign checks that every function DESIGN.md lists for
// IML is registered, and that Functions lists them sorted.
func TestLibraryCoversDesign(t *testing.T) {
	t.Parallel()
	design := strings.Fields(`if ifempty switch get omit pick
		ascii base64 capitalize contains decodeURL encodeURL escapeHTML escapeMarkdown indexOf length lower md5
		replace replaceEmojiCharacters sha1 sha256 sha512 split startcase stripHTML substring toBinary toString trim upper
		abs average ceil floor formatNumber max min parseNumber round sum trunc
		addDays addHours addMinutes addMonths addSeconds addYears dateDifference formatDate parseDate setDate setDay
		setHour setMinute setMonth setSecond setYear
		add contains deduplicate distinct first flatten join keys last length map merge remove reverse shuffle slice
		sort toArray toCollection`)
	names := Functions()
	if !sort.StringsAreSorted(names) {
		t.Errorf("Functions() is not sorted: %v", names)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, n := range design {
		if !have[n] {
			t.Errorf("function %s is missing", n)
		}
	}
	if len(names) < 110 {
		t.Errorf("only %d functions registered", len(names))
	}
}

func TestExportedRegexp(t *testing.T) {
	t.Parallel()
	re, err := CompileRegexp(`(\w+)@(\w+)\.com`, "gi")
	if err != nil {
		t.Fatal(err)
	}
	if got := ReplaceRegexp(re, "A@B.COM, c@d.com", "$2 at $1", true); got != "B at A, d at c" {
		t.Errorf("global: got %q", got)
	}
	if got := ReplaceRegexp(re, "A@B.COM, c@d.com", "<$&>", false); got != "<A@B.COM>, c@d.com" {
		t.Errorf("first: got %q", got)
	}
	_, err = CompileRegexp(`(?<=x)y`, "")
	if err == nil || err.Error() != `regular expression "(?<=x)y": look-behind (?<=…) and (?<!…) are not supported (Go's RE2 engine)` {
		t.Errorf("look-behind: %v", err)
	}
}
