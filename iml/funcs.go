package iml

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// funcDef describes one IML function.
type funcDef struct {
	name     string
	min, max int // argument counts; max < 0 means any number
	fn       func(c *call, args []any) (any, error)
	// lazy, when set, receives the unevaluated arguments (if, ifempty, switch).
	lazy func(c *evalCtx, n *callNode) (any, error)
}

// call is the context of one function call.
type call struct {
	ctx  *evalCtx
	node *callNode
}

// loc is the scenario time zone.
func (c *call) loc() *time.Location { return c.ctx.loc() }

var (
	funcs      = map[string]*funcDef{}
	funcsLower = map[string]*funcDef{}
)

// register adds functions to the library.
func register(defs ...*funcDef) {
	for _, d := range defs {
		funcs[d.name] = d
		funcsLower[strings.ToLower(d.name)] = d
	}
}

// fn is shorthand for an eagerly evaluated function definition.
func fn(name string, min, max int, f func(c *call, args []any) (any, error)) *funcDef {
	return &funcDef{name: name, min: min, max: max, fn: f}
}

// lookupFunc finds a function by name, falling back to a case-insensitive
// match (Make's own names are camelCase, but users type startCase etc.).
func lookupFunc(name string) *funcDef {
	if d, ok := funcs[name]; ok {
		return d
	}
	return funcsLower[strings.ToLower(name)]
}

// Functions returns the names of every function of the library, sorted.
func Functions() []string {
	out := make([]string, 0, len(funcs))
	for k := range funcs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// argError is an error about one (1-based) argument.
func argError(i int, format string, args ...any) error {
	return fmt.Errorf("argument %d: %s", i+1, fmt.Sprintf(format, args...))
}

// arg returns argument i or nil when absent.
func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// argNum converts argument i to a number.
func argNum(args []any, i int) (float64, error) {
	v := arg(args, i)
	f, ok := toNumber(v)
	if !ok || v == nil {
		return 0, argError(i, "expected a number, got %s", describeValue(v))
	}
	return f, nil
}

// argInt converts argument i to a whole number (truncated), bounded to
// ±2^53 so that callers can use it as a size or an index.
func argInt(args []any, i int) (int, error) {
	f, err := argNum(args, i)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) {
		return 0, argError(i, "expected a number, got NaN")
	}
	f = math.Trunc(f)
	const lim = 1 << 53
	if f > lim {
		f = lim
	} else if f < -lim {
		f = -lim
	}
	return int(f), nil
}

// optInt returns argument i as a whole number, or def when it is absent or
// null.
func optInt(args []any, i, def int) (int, error) {
	if arg(args, i) == nil {
		return def, nil
	}
	return argInt(args, i)
}

// argText converts argument i to text.
func argText(args []any, i int) string { return ToText(arg(args, i)) }

// optText returns argument i as text, or def when it is absent or null.
func optText(args []any, i int, def string) string {
	v := arg(args, i)
	if v == nil {
		return def
	}
	return ToText(v)
}

// argDate converts argument i to a date.
func (c *call) argDate(args []any, i int) (time.Time, error) {
	v := arg(args, i)
	t, ok := toDate(v, c.loc())
	if !ok {
		return time.Time{}, argError(i, "expected a date, got %s", describeValue(v))
	}
	return t, nil
}

// argArray converts argument i to an array: null is empty and any other
// value that is not an array is an array of that one value.
func argArray(args []any, i int) []any {
	switch x := arg(args, i).(type) {
	case nil:
		return []any{}
	case []any:
		return x
	case []map[string]any, []string:
		return toAnySlice(x)
	default:
		return []any{x}
	}
}

// argCollection converts argument i to a collection.
func argCollection(args []any, i int) (map[string]any, error) {
	switch x := arg(args, i).(type) {
	case map[string]any:
		return x, nil
	case nil:
		return map[string]any{}, nil
	default:
		return nil, argError(i, "expected a collection, got %s", describeValue(x))
	}
}

// argLocation returns the time zone named by argument i, or the scenario
// time zone when it is absent.
func (c *call) argLocation(args []any, i int) (*time.Location, error) {
	name := strings.TrimSpace(optText(args, i, ""))
	if name == "" {
		return c.loc(), nil
	}
	loc, err := loadLocation(name)
	if err != nil {
		return nil, argError(i, "unknown time zone %s", excerpt(name))
	}
	return loc, nil
}

// errTooLarge is returned when a result would exceed maxResult.
var errTooLarge = errors.New("result is too large")

// maxResult bounds the size (bytes or items) of values that functions build,
// so that a formula cannot exhaust memory.
const maxResult = 16 << 20

// evalArgs evaluates the arguments of a lazy function from index from.
func evalArg(c *evalCtx, n *callNode, i int) (any, error) {
	if i >= len(n.args) {
		return nil, nil
	}
	v, err := n.args[i].eval(c)
	if s := toAnySlice(v); s != nil {
		v = s
	}
	return v, err
}
