package engine

import (
	"fmt"
	"sort"

	"github.com/reqflow/reqflow/iml"
)

// mapper is a module's mapper with every string compiled once, evaluated
// per bundle into a fresh value tree.
type mapper struct {
	lit  any                // a value without formulas (number, bool, null)
	tpl  *iml.Template      // a string
	m    map[string]*mapper // a collection
	keys []string           // m's keys, sorted, for stable error order
	list []*mapper          // an array
}

// compileMapper compiles every string in v; path names the field in errors,
// e.g. "headers[2].value" (1-based, as Make numbers items).
func compileMapper(v any, path string) (*mapper, error) {
	switch x := v.(type) {
	case string:
		t, err := iml.Compile(x)
		if err != nil {
			return nil, &FieldError{Field: path, Msg: err.Error()}
		}
		if t.Static() {
			return &mapper{lit: x}, nil
		}
		return &mapper{tpl: t}, nil
	case map[string]any:
		out := &mapper{m: make(map[string]*mapper, len(x))}
		for k, e := range x {
			c, err := compileMapper(e, join(path, k))
			if err != nil {
				return nil, err
			}
			out.m[k] = c
			out.keys = append(out.keys, k)
		}
		sort.Strings(out.keys)
		return out, nil
	case []any:
		out := &mapper{list: make([]*mapper, len(x))}
		for i, e := range x {
			c, err := compileMapper(e, fmt.Sprintf("%s[%d]", path, i+1))
			if err != nil {
				return nil, err
			}
			out.list[i] = c
		}
		return out, nil
	}
	return &mapper{lit: v}, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (c *mapper) eval(env *iml.Env, path string) (any, error) {
	switch {
	case c.tpl != nil:
		v, err := c.tpl.Eval(env)
		if err != nil {
			return nil, &FieldError{Field: path, Msg: err.Error()}
		}
		return v, nil
	case c.m != nil:
		out := make(map[string]any, len(c.m))
		for _, k := range c.keys {
			v, err := c.m[k].eval(env, join(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case c.list != nil:
		out := make([]any, len(c.list))
		for i, e := range c.list {
			v, err := e.eval(env, fmt.Sprintf("%s[%d]", path, i+1))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return c.lit, nil
}

// roots calls add with every scope root the mapper's formulas reference
// (module ids such as "11", "var").
func (c *mapper) roots(add func(string)) {
	if c == nil {
		return
	}
	switch {
	case c.tpl != nil:
		for _, r := range c.tpl.Roots() {
			add(r)
		}
	case c.m != nil:
		for _, k := range c.keys {
			c.m[k].roots(add)
		}
	case c.list != nil:
		for _, e := range c.list {
			e.roots(add)
		}
	}
}
