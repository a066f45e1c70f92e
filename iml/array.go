package iml

import (
	"encoding/json"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/reqflow/reqflow/bundle"
)

func init() {
	register(
		fn("add", 1, -1, fnAdd),
		fn("deduplicate", 1, 1, fnDistinct),
		fn("distinct", 1, 2, fnDistinct),
		fn("first", 1, 1, func(c *call, a []any) (any, error) { return getIndex(argArrayOrNil(a, 0), 1), nil }),
		fn("last", 1, 1, fnLast),
		fn("flatten", 1, 2, fnFlatten),
		fn("join", 1, 2, fnJoin),
		fn("keys", 1, 1, fnKeys),
		fn("map", 2, 4, fnMap),
		fn("merge", 1, -1, fnMerge),
		fn("remove", 1, -1, fnRemove),
		fn("reverse", 1, 1, fnReverse),
		fn("shuffle", 1, 1, fnShuffle),
		fn("slice", 2, 3, fnSlice),
		fn("sort", 1, 3, fnSort),
		fn("toArray", 1, 1, fnToArray),
		fn("toCollection", 3, 3, fnToCollection),
	)
}

// argArrayOrNil is argArray except that null stays null.
func argArrayOrNil(args []any, i int) any {
	if arg(args, i) == nil {
		return nil
	}
	return argArray(args, i)
}

// add(array; value1; value2; …) returns a new array with the values appended.
func fnAdd(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	out := make([]any, 0, len(arr)+len(args)-1)
	out = append(out, arr...)
	return append(out, args[1:]...), nil
}

// identity is a comparable key for a value: equal values (by IML's rules
// for scalars, by content for collections) have the same key.
func identity(v any) string {
	switch x := v.(type) {
	case nil:
		return "n"
	case bool:
		return "b" + ToText(x)
	case string:
		return "s" + x
	case time.Time:
		return "d" + ToText(x)
	case []byte:
		return "x" + string(x)
	}
	if f, ok := numberOf(v); ok {
		return "f" + formatJSNumber(f)
	}
	b, err := json.Marshal(bundle.ToJSON(v))
	if err != nil {
		return "?" + ToText(v)
	}
	return "j" + string(b)
}

// distinct(array; [key]) and deduplicate(array) drop repeated items (items
// with the same value of key, when given), keeping the first.
func fnDistinct(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	key := optText(args, 1, "")
	seen := make(map[string]bool, len(arr))
	out := make([]any, 0, len(arr))
	for _, e := range arr {
		k := e
		if key != "" {
			k = getPath(e, key)
		}
		id := identity(k)
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, e)
	}
	return out, nil
}

// getPath reads a dotted path (a.b[2].c) from a value, as get() does.
func getPath(v any, path string) any {
	r, _ := fnGet(nil, []any{v, path})
	return r
}

func fnLast(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	if len(arr) == 0 {
		return nil, nil
	}
	return arr[len(arr)-1], nil
}

// flatten(array; [depth=1])
func fnFlatten(c *call, args []any) (any, error) {
	depth, err := optInt(args, 1, 1)
	if err != nil {
		return nil, err
	}
	depth = min(depth, maxDepth)
	var out []any
	var walk func(a []any, d int)
	walk = func(a []any, d int) {
		for _, e := range a {
			if sub, ok := e.([]any); ok && d > 0 {
				walk(sub, d-1)
				continue
			}
			out = append(out, e)
		}
	}
	walk(argArray(args, 0), depth)
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// join(array; [separator=","]) joins the text of the items.
func fnJoin(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	sep := optText(args, 1, ",")
	parts := make([]string, len(arr))
	n := 0
	for i, e := range arr {
		parts[i] = ToText(e)
		n += len(parts[i]) + len(sep)
		if n > maxResult {
			return nil, errTooLarge
		}
	}
	return strings.Join(parts, sep), nil
}

// sortedKeys returns the keys of a collection in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// keys(collection) lists its keys (sorted: reqflow's collections do not
// keep their insertion order).
func fnKeys(c *call, args []any) (any, error) {
	m, err := argCollection(args, 0)
	if err != nil {
		return nil, err
	}
	keys := sortedKeys(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

// map(array; key; [filterKey]; [filterValues]) returns the value of key of
// every item, keeping only the items whose filterKey is one of filterValues
// (an array or comma-separated text) when given.
func fnMap(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	key := argText(args, 1)
	filterKey := optText(args, 2, "")
	var allowed map[string]bool
	if filterKey != "" {
		allowed = map[string]bool{}
		fv := arg(args, 3)
		if a, ok := fv.([]any); ok {
			for _, e := range a {
				allowed[ToText(e)] = true
			}
		} else {
			for _, s := range strings.Split(ToText(fv), ",") {
				allowed[strings.TrimSpace(s)] = true
			}
		}
	}
	out := make([]any, 0, len(arr))
	for _, e := range arr {
		if allowed != nil && !allowed[ToText(getPath(e, filterKey))] {
			continue
		}
		out = append(out, getPath(e, key))
	}
	return out, nil
}

// merge(array1; array2; …) concatenates arrays; merge(collection1;
// collection2; …) merges collections, later keys winning.
func fnMerge(c *call, args []any) (any, error) {
	if _, ok := args[0].(map[string]any); ok {
		out := map[string]any{}
		for i := range args {
			m, err := argCollection(args, i)
			if err != nil {
				return nil, err
			}
			for k, v := range m {
				out[k] = v
			}
		}
		return out, nil
	}
	out := []any{}
	for i := range args {
		out = append(out, argArray(args, i)...)
		if len(out) > maxResult {
			return nil, errTooLarge
		}
	}
	return out, nil
}

// remove(array; value1; value2; …) drops the items equal to any value.
func fnRemove(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	out := make([]any, 0, len(arr))
outer:
	for _, e := range arr {
		for _, v := range args[1:] {
			if equal(e, v) {
				continue outer
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func fnReverse(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	out := make([]any, len(arr))
	for i, e := range arr {
		out[len(arr)-1-i] = e
	}
	return out, nil
}

func fnShuffle(c *call, args []any) (any, error) {
	out := append([]any{}, argArray(args, 0)...)
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// slice(array; start; [end]): 0-based, end exclusive, negative positions
// count from the end (JavaScript's Array.slice).
func fnSlice(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	n := len(arr)
	start, err := argInt(args, 1)
	if err != nil {
		return nil, err
	}
	end, err := optInt(args, 2, n)
	if err != nil {
		return nil, err
	}
	norm := func(i int) int {
		if i < 0 {
			i += n
		}
		return max(0, min(i, n))
	}
	start, end = norm(start), norm(end)
	if start >= end {
		return []any{}, nil
	}
	return append([]any{}, arr[start:end]...), nil
}

// sort(array; [order]; [key]): order is asc (default), desc, asc ci or
// desc ci (case-insensitive); key sorts collections by one of their values.
// Numbers sort numerically, dates by time, text by code point.
func fnSort(c *call, args []any) (any, error) {
	arr := append([]any{}, argArray(args, 0)...)
	order := strings.ToLower(strings.Join(strings.Fields(optText(args, 1, "asc")), " "))
	var desc, ci bool
	switch order {
	case "asc", "":
	case "desc":
		desc = true
	case "asc ci":
		ci = true
	case "desc ci":
		desc, ci = true, true
	default:
		return nil, argError(1, "unknown order %s (expected asc, desc, asc ci or desc ci)", excerpt(order))
	}
	key := optText(args, 2, "")
	val := func(v any) any {
		if key != "" {
			v = getPath(v, key)
		}
		if ci {
			if s, ok := v.(string); ok {
				return strings.ToLower(s)
			}
		}
		return v
	}
	sort.SliceStable(arr, func(i, j int) bool {
		a, b := val(arr[i]), val(arr[j])
		if desc {
			a, b = b, a
		}
		return less(a, b)
	})
	return arr, nil
}

// less orders values for sort: null first, then numbers, dates, text.
func less(a, b any) bool {
	ra, rb := sortRank(a), sortRank(b)
	if ra != rb {
		return ra < rb
	}
	switch ra {
	case 1:
		x, _ := numberOf(a)
		y, _ := numberOf(b)
		return x < y
	case 2:
		return a.(time.Time).Before(b.(time.Time))
	case 0:
		return false
	}
	return ToText(a) < ToText(b)
}

func sortRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case time.Time:
		return 2
	}
	if _, ok := numberOf(v); ok {
		return 1
	}
	return 3
}

// toArray(collection) returns [{key, value}, …], sorted by key.
func fnToArray(c *call, args []any) (any, error) {
	if a, ok := args[0].([]any); ok {
		return a, nil
	}
	m, err := argCollection(args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, map[string]any{"key": k, "value": m[k]})
	}
	return out, nil
}

// toCollection(array; keyName; valueName) builds a collection from an array
// of collections, taking each item's keyName as key and valueName as value.
func fnToCollection(c *call, args []any) (any, error) {
	arr := argArray(args, 0)
	kn, vn := argText(args, 1), argText(args, 2)
	out := make(map[string]any, len(arr))
	for _, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		k, ok := m[kn]
		if !ok {
			continue
		}
		out[ToText(k)] = m[vn]
	}
	return out, nil
}
