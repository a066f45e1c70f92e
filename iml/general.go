package iml

import (
	"strconv"
	"strings"
)

func init() {
	register(
		&funcDef{name: "if", min: 2, max: 3, lazy: fnIf},
		&funcDef{name: "ifempty", min: 2, max: 2, lazy: fnIfEmpty},
		&funcDef{name: "switch", min: 1, max: -1, lazy: fnSwitch},
		fn("get", 2, 2, fnGet),
		fn("omit", 1, -1, fnOmit),
		fn("pick", 1, -1, fnPick),
	)
}

// if(condition; then; [else])
func fnIf(c *evalCtx, n *callNode) (any, error) {
	cond, err := evalArg(c, n, 0)
	if err != nil {
		return nil, err
	}
	if ToBool(cond) {
		return evalArg(c, n, 1)
	}
	return evalArg(c, n, 2)
}

// isEmpty reports whether ifempty treats v as empty: null, "" or an empty
// array.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

// ifempty(value; fallback)
func fnIfEmpty(c *evalCtx, n *callNode) (any, error) {
	v, err := evalArg(c, n, 0)
	if err != nil || !isEmpty(v) {
		return v, err
	}
	return evalArg(c, n, 1)
}

// switch(value; case1; result1; …; [else])
func fnSwitch(c *evalCtx, n *callNode) (any, error) {
	v, err := evalArg(c, n, 0)
	if err != nil {
		return nil, err
	}
	i := 1
	for ; i+1 < len(n.args); i += 2 {
		cv, err := evalArg(c, n, i)
		if err != nil {
			return nil, err
		}
		if equal(v, cv) {
			return evalArg(c, n, i+1)
		}
	}
	if i < len(n.args) {
		return evalArg(c, n, i)
	}
	return nil, nil
}

// get(collection or array; path): path is a key, a 1-based index, or a
// dotted path with indices (a.b[2].c, a.2.c).
func fnGet(c *call, args []any) (any, error) {
	v := args[0]
	p := args[1]
	if f, ok := numberOf(p); ok {
		return getDynamic(v, f), nil
	}
	for _, part := range splitPath(ToText(p)) {
		if part.index > 0 {
			v = getIndex(v, part.index)
			continue
		}
		if _, isArr := v.([]any); isArr {
			if n, err := strconv.Atoi(part.key); err == nil {
				v = getIndex(v, n)
				continue
			}
		}
		v = getKey(v, part.key)
	}
	return v, nil
}

type pathPart struct {
	key   string
	index int
}

// splitPath splits a get() path such as a.b[2].c.
func splitPath(p string) []pathPart {
	var out []pathPart
	for _, s := range strings.Split(p, ".") {
		for {
			i := strings.IndexByte(s, '[')
			if i < 0 {
				break
			}
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				break
			}
			if i > 0 {
				out = append(out, pathPart{key: s[:i]})
			}
			inner := s[i+1 : i+j]
			if inner == "" {
				out = append(out, pathPart{index: 1})
			} else if n, err := strconv.Atoi(inner); err == nil && n > 0 {
				out = append(out, pathPart{index: n})
			} else {
				out = append(out, pathPart{key: inner})
			}
			s = s[i+j+1:]
		}
		if s != "" {
			out = append(out, pathPart{key: s})
		}
	}
	return out
}

// keyArgs collects key names from arguments, flattening arrays.
func keyArgs(args []any) map[string]bool {
	keys := map[string]bool{}
	for _, a := range args {
		for _, k := range argArray([]any{a}, 0) {
			keys[ToText(k)] = true
		}
	}
	return keys
}

// omit(collection; key1; key2; …)
func fnOmit(c *call, args []any) (any, error) {
	m, err := argCollection(args, 0)
	if err != nil {
		return nil, err
	}
	drop := keyArgs(args[1:])
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !drop[k] {
			out[k] = v
		}
	}
	return out, nil
}

// pick(collection; key1; key2; …)
func fnPick(c *call, args []any) (any, error) {
	m, err := argCollection(args, 0)
	if err != nil {
		return nil, err
	}
	keep := keyArgs(args[1:])
	out := make(map[string]any, len(keep))
	for k, v := range m {
		if keep[k] {
			out[k] = v
		}
	}
	return out, nil
}
