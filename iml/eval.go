package iml

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// node is one element of a formula's syntax tree.
type node interface {
	eval(c *evalCtx) (any, error)
}

// evalCtx carries one evaluation of a template.
type evalCtx struct {
	src    string
	env    *Env
	now    time.Time
	hasNow bool
}

func (c *evalCtx) eval(n node) (any, error) { return n.eval(c) }

// clock returns the evaluation's current time, fixed for one Eval.
func (c *evalCtx) clock() time.Time {
	if !c.hasNow {
		c.now = c.env.Now
		if c.now.IsZero() {
			c.now = time.Now()
		}
		c.hasNow = true
	}
	return c.now
}

// loc returns the scenario time zone.
func (c *evalCtx) loc() *time.Location {
	if c.env.Location != nil {
		return c.env.Location
	}
	return time.UTC
}

func (c *evalCtx) errorf(off int, format string, args ...any) *Error {
	return newError(c.src, off, "", fmt.Sprintf(format, args...), nil)
}

// litNode is a constant.
type litNode struct{ v any }

func (n *litNode) eval(*evalCtx) (any, error) { return n.v, nil }

// constants are the keywords with a fixed value.
var constants = map[string]any{
	"null":           nil,
	"true":           true,
	"false":          false,
	"emptystring":    "",
	"space":          " ",
	"tab":            "\t",
	"newline":        "\n",
	"nbsp":           "\u00a0",
	"carriagereturn": "\r",
	"pi":             math.Pi,
	// ignore leaves a field unset (null); erase sets it to empty text.
	"ignore": nil,
	"erase":  "",
}

// keywordsLower maps lower-cased keywords to their spelling, so that
// emptyString or NULL are read as the keywords.
var keywordsLower = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"null", "true", "false", "emptystring", "space", "tab", "newline", "nbsp",
		"carriagereturn", "pi", "ignore", "erase", "now", "timestamp", "uuid", "random", "executionId", "emptyarray"} {
		m[strings.ToLower(k)] = k
	}
	return m
}()

func isDynamicKeyword(s string) bool {
	switch s {
	case "now", "timestamp", "uuid", "random", "executionId", "emptyarray":
		return true
	}
	return false
}

// kwNode is a keyword whose value depends on the evaluation.
type kwNode struct {
	off int
	kw  string
}

func (n *kwNode) eval(c *evalCtx) (any, error) {
	switch n.kw {
	case "now":
		return c.clock(), nil
	case "timestamp":
		return float64(c.clock().Unix()), nil
	case "uuid":
		return newUUID(), nil
	case "random":
		return mrand.Float64(), nil
	case "executionId":
		return c.env.ExecutionID, nil
	case "emptyarray":
		return []any{}, nil
	}
	return nil, c.errorf(n.off, "unknown keyword %q", n.kw)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type segKind int

const (
	segKey   segKind = iota // .name or ["name"]
	segIndex                // [3] (1-based) or [] (idx 1)
	segExpr                 // [expr]
)

// seg is one step of a path.
type seg struct {
	kind segKind
	key  string
	idx  int
	expr node
	off  int
}

// refNode is a reference: a root looked up in the scope, then a path.
type refNode struct {
	off  int
	root string
	path []seg
}

func (n *refNode) eval(c *evalCtx) (any, error) {
	var v any
	if c.env.Scope != nil {
		v, _ = c.env.Scope.Lookup(n.root)
	}
	return walk(c, v, n.path)
}

// evalRef evaluates a template that is one reference with constant path
// steps without allocating.
func (n *refNode) evalRef(src string, env *Env) (any, error) {
	var v any
	if env.Scope != nil {
		v, _ = env.Scope.Lookup(n.root)
	}
	for i := range n.path {
		s := &n.path[i]
		switch s.kind {
		case segKey:
			v = getKey(v, s.key)
		case segIndex:
			v = getIndex(v, s.idx)
		default:
			c := &evalCtx{src: src, env: env}
			return walk(c, v, n.path[i:])
		}
	}
	return v, nil
}

// pathNode applies a path to a computed value: first(1.items).name.
type pathNode struct {
	base node
	path []seg
}

func (n *pathNode) eval(c *evalCtx) (any, error) {
	v, err := n.base.eval(c)
	if err != nil {
		return nil, err
	}
	return walk(c, v, n.path)
}

func walk(c *evalCtx, v any, path []seg) (any, error) {
	for i := range path {
		s := &path[i]
		switch s.kind {
		case segKey:
			v = getKey(v, s.key)
		case segIndex:
			v = getIndex(v, s.idx)
		case segExpr:
			k, err := s.expr.eval(c)
			if err != nil {
				return nil, err
			}
			v = getDynamic(v, k)
		}
	}
	return v, nil
}

// getKey reads a key of a collection. On an array it reads the key of every
// element and returns the array of results.
func getKey(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		return x[key]
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			out = append(out, getKey(e, key))
		}
		return out
	case []map[string]any:
		return getKey(toAnySlice(x), key)
	}
	return nil
}

// toAnySlice converts the typed slices some Go code builds into arrays.
func toAnySlice(v any) []any {
	switch x := v.(type) {
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	}
	return nil
}

// getIndex reads the 1-based element n of an array. A value that is not an
// array behaves as an array of one element.
func getIndex(v any, n int) any {
	switch x := v.(type) {
	case []any:
		if n >= 1 && n <= len(x) {
			return x[n-1]
		}
		return nil
	case map[string]any:
		return x[strconv.Itoa(n)]
	case nil:
		return nil
	case []map[string]any, []string:
		return getIndex(toAnySlice(x), n)
	}
	if n == 1 {
		return v
	}
	return nil
}

// getDynamic indexes v with a computed key: a number is a 1-based index,
// text a key (or an index when it is a whole number and v is an array).
func getDynamic(v, k any) any {
	if f, ok := numberOf(k); ok {
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1<<40 {
			return nil
		}
		return getIndex(v, int(f))
	}
	s := ToText(k)
	if _, isArr := v.([]any); isArr {
		if n, err := strconv.Atoi(s); err == nil {
			return getIndex(v, n)
		}
	}
	return getKey(v, s)
}

// callNode is a function call.
type callNode struct {
	off  int
	fn   *funcDef
	args []node
}

func (n *callNode) eval(c *evalCtx) (any, error) {
	if n.fn.lazy != nil {
		v, err := n.fn.lazy(c, n)
		return v, n.wrap(c, err)
	}
	args := make([]any, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(c)
		if err != nil {
			return nil, err
		}
		if s := toAnySlice(v); s != nil {
			v = s
		}
		args[i] = v
	}
	v, err := n.fn.fn(&call{ctx: c, node: n}, args)
	return v, n.wrap(c, err)
}

// wrap turns a function's error into an *Error at the call.
func (n *callNode) wrap(c *evalCtx, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*Error); ok {
		return e
	}
	return newError(c.src, n.off, n.fn.name, err.Error(), err)
}

// unaryNode is -x, +x or not x.
type unaryNode struct {
	off int
	op  string
	x   node
}

func (n *unaryNode) eval(c *evalCtx) (any, error) {
	v, err := n.x.eval(c)
	if err != nil {
		return nil, err
	}
	if n.op == "not" {
		return !ToBool(v), nil
	}
	f, ok := toNumber(v)
	if !ok {
		return nil, c.errorf(n.off, "operator %q: expected a number, got %s", n.op, describeValue(v))
	}
	if n.op == "-" {
		return -f, nil
	}
	return f, nil
}

// binNode is a binary operation.
type binNode struct {
	off  int
	op   string
	l, r node
}

func (n *binNode) eval(c *evalCtx) (any, error) {
	l, err := n.l.eval(c)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "and":
		if !ToBool(l) {
			return false, nil
		}
		r, err := n.r.eval(c)
		if err != nil {
			return nil, err
		}
		return ToBool(r), nil
	case "or":
		if ToBool(l) {
			return true, nil
		}
		r, err := n.r.eval(c)
		if err != nil {
			return nil, err
		}
		return ToBool(r), nil
	}
	r, err := n.r.eval(c)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "+":
		if isNumeric(l) && isNumeric(r) {
			a, _ := toNumber(l)
			b, _ := toNumber(r)
			return a + b, nil
		}
		return ToText(l) + ToText(r), nil
	case "-", "*", "/", "%":
		a, ok := toNumber(l)
		if !ok {
			return nil, c.errorf(n.off, "operator %q: expected a number on the left, got %s", n.op, describeValue(l))
		}
		b, ok := toNumber(r)
		if !ok {
			return nil, c.errorf(n.off, "operator %q: expected a number on the right, got %s", n.op, describeValue(r))
		}
		switch n.op {
		case "-":
			return a - b, nil
		case "*":
			return a * b, nil
		case "/":
			return a / b, nil
		default:
			return math.Mod(a, b), nil
		}
	case "=":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	}
	cmp, ok := compare(l, r)
	if !ok {
		return false, nil
	}
	switch n.op {
	case "<":
		return cmp < 0, nil
	case ">":
		return cmp > 0, nil
	case "<=":
		return cmp <= 0, nil
	default:
		return cmp >= 0, nil
	}
}

// isNumeric reports whether + treats v as a number: numbers, booleans and
// null (as 0).
func isNumeric(v any) bool {
	switch v.(type) {
	case nil, bool, float64, int, int64, json.Number:
		return true
	}
	return false
}

// equal is IML's = : numbers compare by value (text that is a number equals
// that number), dates by instant, null equals only null, everything else by
// its text.
func equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := numberOf(a); ok {
		if y, ok := toNumber(b); ok {
			return x == y
		}
	}
	if y, ok := numberOf(b); ok {
		if x, ok := toNumber(a); ok {
			return x == y
		}
	}
	if x, ok := a.(time.Time); ok {
		if y, ok := b.(time.Time); ok {
			return x.Equal(y)
		}
	}
	if x, ok := a.(bool); ok {
		if y, ok := b.(bool); ok {
			return x == y
		}
	}
	return ToText(a) == ToText(b)
}

// compare orders two values: numbers numerically, dates by instant,
// otherwise as text. ok is false when either side is null.
func compare(a, b any) (int, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	if x, ok := a.(time.Time); ok {
		if y, ok := toDate(b, time.UTC); ok {
			return x.Compare(y), true
		}
	}
	if y, ok := b.(time.Time); ok {
		if x, ok := toDate(a, time.UTC); ok {
			return x.Compare(y), true
		}
	}
	_, an := numberOf(a)
	_, bn := numberOf(b)
	if an || bn {
		x, ok1 := toNumber(a)
		y, ok2 := toNumber(b)
		if ok1 && ok2 {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
	}
	x, y := ToText(a), ToText(b)
	switch {
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}
