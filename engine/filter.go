package engine

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/iml"
)

// filter is a module's compiled filter: OR of AND groups of conditions.
type filter struct {
	name   string
	groups [][]condition
}

type condition struct {
	a, b *mapper
	op   string
	test func(a, b any, loc *locator) (bool, error)
}

// locator carries what comparisons need from the run (the time zone).
type locator struct{ env *iml.Env }

// Operators lists every filter operator reqflow understands, as Make writes
// them in blueprints.
func Operators() []string {
	out := make([]string, 0, len(operators))
	for k := range operators {
		out = append(out, k)
	}
	return out
}

// compileFilter compiles a blueprint filter; an unknown operator or a bad
// formula is an error naming the condition.
func compileFilter(f *blueprint.Filter) (*filter, error) {
	if f == nil || len(f.Conditions) == 0 {
		return nil, nil
	}
	out := &filter{name: f.Name}
	for i, group := range f.Conditions {
		var and []condition
		for j, c := range group {
			where := fmt.Sprintf("filter %q: condition %d.%d", f.Name, i+1, j+1)
			test, ok := operators[c.O]
			if !ok {
				return nil, fmt.Errorf("%s: unknown operator %q", where, c.O)
			}
			a, err := compileMapper(c.A, "a")
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			b, err := compileMapper(c.B, "b")
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			and = append(and, condition{a: a, b: b, op: c.O, test: test})
		}
		if len(and) > 0 {
			out.groups = append(out.groups, and)
		}
	}
	if len(out.groups) == 0 {
		return nil, nil
	}
	return out, nil
}

// pass reports whether the current bundle passes the filter.
func (f *filter) pass(env *iml.Env) (bool, error) {
	if f == nil {
		return true, nil
	}
	loc := &locator{env: env}
	for _, group := range f.groups {
		ok := true
		for _, c := range group {
			a, err := c.a.eval(env, "a")
			if err != nil {
				return false, fmt.Errorf("filter %q: %w", f.name, err)
			}
			b, err := c.b.eval(env, "b")
			if err != nil {
				return false, fmt.Errorf("filter %q: %w", f.name, err)
			}
			res, err := c.test(a, b, loc)
			if err != nil {
				return false, fmt.Errorf("filter %q: %s: %w", f.name, c.op, err)
			}
			if !res {
				ok = false
				break
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

type test = func(a, b any, loc *locator) (bool, error)

var operators = map[string]test{}

func init() {
	text := func(name string, fn func(a, b string) (bool, error)) {
		operators["text:"+name] = func(a, b any, _ *locator) (bool, error) { return fn(iml.ToText(a), iml.ToText(b)) }
		operators["text:"+name+":ci"] = func(a, b any, _ *locator) (bool, error) {
			return fn(strings.ToLower(iml.ToText(a)), strings.ToLower(iml.ToText(b)))
		}
	}
	negate := func(name string, fn func(a, b string) (bool, error)) {
		text(name, fn)
		text("not"+name, func(a, b string) (bool, error) {
			r, err := fn(a, b)
			return !r, err
		})
	}
	plain := func(fn func(a, b string) bool) func(a, b string) (bool, error) {
		return func(a, b string) (bool, error) { return fn(a, b), nil }
	}
	text("equal", plain(func(a, b string) bool { return a == b }))
	text("notequal", plain(func(a, b string) bool { return a != b }))
	negate("contain", plain(strings.Contains))
	negate("startwith", plain(strings.HasPrefix))
	negate("endwith", plain(strings.HasSuffix))
	negate("pattern", func(a, b string) (bool, error) {
		re, err := regexp.Compile(b)
		if err != nil {
			return false, fmt.Errorf("invalid pattern %q: %w", b, err)
		}
		return re.MatchString(a), nil
	})
	// Spellings seen outside real exports.
	for _, alias := range [][2]string{{"startswith", "startwith"}, {"endswith", "endwith"}, {"notstartswith", "notstartwith"}, {"notendswith", "notendwith"}} {
		operators["text:"+alias[0]] = operators["text:"+alias[1]]
		operators["text:"+alias[0]+":ci"] = operators["text:"+alias[1]+":ci"]
	}
	// The case-insensitive pattern compiles the pattern with (?i) rather
	// than lower-casing it (which would break classes like \S).
	for _, n := range []string{"pattern", "notpattern"} {
		base := operators["text:"+n]
		operators["text:"+n+":ci"] = func(a, b any, l *locator) (bool, error) { return base(a, "(?i)"+iml.ToText(b), l) }
	}

	compare := func(kind string, conv func(v any, l *locator) (float64, bool)) {
		rel := map[string]func(c int) bool{
			"equal": func(c int) bool { return c == 0 }, "notequal": func(c int) bool { return c != 0 },
			"greater": func(c int) bool { return c > 0 }, "less": func(c int) bool { return c < 0 },
			"greaterorequal": func(c int) bool { return c >= 0 }, "lessorequal": func(c int) bool { return c <= 0 },
		}
		for name, ok := range rel {
			operators[kind+":"+name] = func(a, b any, l *locator) (bool, error) {
				x, okA := conv(a, l)
				y, okB := conv(b, l)
				if !okA || !okB {
					// A value that is not a number (date…) matches nothing
					// but "not equal", as in Make.
					return name == "notequal", nil
				}
				switch {
				case x < y:
					return ok(-1), nil
				case x > y:
					return ok(1), nil
				}
				return ok(0), nil
			}
		}
	}
	compare("number", func(v any, _ *locator) (float64, bool) { return iml.ToNumber(v) })
	compare("date", func(v any, l *locator) (float64, bool) {
		t, ok := iml.ToDate(v, l.env.Location)
		return float64(t.UnixMilli()), ok
	})
	compare("time", func(v any, l *locator) (float64, bool) {
		t, ok := iml.ToDate(v, l.env.Location)
		if !ok {
			if d, okc := clockOf(iml.ToText(v)); okc {
				return d, true
			}
			return 0, false
		}
		if l.env.Location != nil {
			t = t.In(l.env.Location)
		}
		return float64(t.Hour()*3600 + t.Minute()*60 + t.Second()), true
	})
	compare("array", func(v any, _ *locator) (float64, bool) {
		if list, ok := v.([]any); ok {
			return float64(len(list)), true
		}
		return iml.ToNumber(v)
	})
	operators["boolean:equal"] = func(a, b any, _ *locator) (bool, error) { return iml.ToBool(a) == iml.ToBool(b), nil }
	operators["boolean:notequal"] = func(a, b any, _ *locator) (bool, error) { return iml.ToBool(a) != iml.ToBool(b), nil }
	arrayContains := func(ci bool) test {
		return func(a, b any, _ *locator) (bool, error) {
			want := iml.ToText(b)
			list, ok := a.([]any)
			if !ok {
				list = []any{a}
			}
			for _, e := range list {
				got := iml.ToText(e)
				if got == want || (ci && strings.EqualFold(got, want)) {
					return true, nil
				}
			}
			return false, nil
		}
	}
	operators["array:contain"] = arrayContains(false)
	operators["array:contain:ci"] = arrayContains(true)
	operators["array:notcontain"] = func(a, b any, l *locator) (bool, error) { r, _ := arrayContains(false)(a, b, l); return !r, nil }
	operators["array:notcontain:ci"] = func(a, b any, l *locator) (bool, error) { r, _ := arrayContains(true)(a, b, l); return !r, nil }
	operators["exist"] = func(a, _ any, _ *locator) (bool, error) { return exists(a), nil }
	operators["notexist"] = func(a, _ any, _ *locator) (bool, error) { return !exists(a), nil }
}

// exists is Make's "Exists": the value is neither null nor empty text.
func exists(v any) bool {
	if v == nil {
		return false
	}
	if s, ok := v.(string); ok {
		return s != ""
	}
	return true
}

// clockOf reads "HH:mm" or "HH:mm:ss" as seconds since midnight.
func clockOf(s string) (float64, bool) {
	var h, m, sec int
	n, _ := fmt.Sscanf(strings.TrimSpace(s), "%d:%d:%d", &h, &m, &sec)
	if n < 2 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59 {
		return 0, false
	}
	return float64(h*3600 + m*60 + sec), true
}
