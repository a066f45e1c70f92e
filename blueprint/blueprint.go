// Package blueprint decodes scenario blueprints: Make's JSON export format and
// the same structure written in YAML.
//
// Decoding is lenient where real exports are: a UTF-8 byte order mark, ids and
// versions written as strings, booleans written as "true", "" meaning unset,
// `id: null` placeholders, keys of inactive branches, and a `metadata` block
// that is kept but never used at run time. It is strict about structure: a
// flow that is not a list, a module without a `module` name, or a mapper that
// is not a collection is an error naming the module and the field.
package blueprint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Blueprint is a decoded scenario.
type Blueprint struct {
	// Name is the scenario name.
	Name string
	// Flow is the top-level list of modules, in order.
	Flow []*Module
	// Metadata is the blueprint's metadata block, kept as decoded. Nothing
	// in it changes how a scenario runs.
	Metadata map[string]any
}

// Module is one flow item: a step of the scenario.
type Module struct {
	// ID identifies the module within the blueprint; mappings refer to its
	// output as {{ID.field}}. Zero when the export has `id: null`.
	ID int
	// Module is the module type, "app:Name", e.g. "http:ActionSendData".
	Module string
	// Version is the module's app version (3 for the legacy HTTP app).
	Version int
	// Parameters holds static settings: connection ids, flags.
	Parameters map[string]any
	// Mapper holds the mappable inputs; strings may contain IML.
	Mapper map[string]any
	// Filter is the condition a bundle must meet to reach this module.
	Filter *Filter
	// Routes are the branches of a router.
	Routes []*Route
	// OnError is the error-handler route attached to this module.
	OnError []*Module
	// Branches are the branches of an If-Else module, in order.
	Branches []*Branch
	// Extra holds the other top-level keys of the flow item that some
	// built-in modules keep outside mapper (a Merge module's "outputs").
	Extra map[string]any
	// Label is the name the user gave the module in the designer, if any.
	Label string
	// Path locates the module in the blueprint, e.g. "flow[2].routes[0].flow[1]".
	Path string
}

// Branch is one branch of an If-Else module: the first whose conditions
// pass (or the else branch) runs; Merge says whether it joins the flow again
// at the Merge module that follows the If-Else.
type Branch struct {
	Label      string
	Else       bool
	Merge      bool
	Disabled   bool
	Conditions *Filter
	Flow       []*Module
}

// Route is one branch of a router.
type Route struct {
	Flow []*Module
}

// Filter is a condition set: the outer list is OR, each inner list is AND.
type Filter struct {
	Name       string
	Conditions [][]Condition
}

// Condition compares A and B (IML strings) with operator O, e.g. "text:equal".
type Condition struct {
	A any
	O string
	B any
}

// Name describes the module for messages: `module 3 (http:ActionSendData)`.
func (m *Module) Name() string {
	if m.ID == 0 {
		return fmt.Sprintf("module at %s (%s)", m.Path, m.Module)
	}
	return fmt.Sprintf("module %d (%s)", m.ID, m.Module)
}

// Walk calls fn for every module of the flow, depth first: each module, then
// its routes, then its error handlers.
func Walk(flow []*Module, fn func(*Module)) {
	for _, m := range flow {
		fn(m)
		for _, r := range m.Routes {
			Walk(r.Flow, fn)
		}
		for _, b := range m.Branches {
			Walk(b.Flow, fn)
		}
		Walk(m.OnError, fn)
	}
}

// Error is a problem found while decoding a blueprint.
type Error struct {
	// Path locates the problem, e.g. `flow[2] (module 12).mapper`.
	Path string
	// Msg says what is wrong.
	Msg string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return "blueprint: " + e.Msg
	}
	return "blueprint: " + e.Path + ": " + e.Msg
}

// Load reads and decodes a blueprint file.
func Load(path string) (*Blueprint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading blueprint: %w", err)
	}
	return Decode(data)
}

// MaxSize is the largest blueprint Decode accepts.
const MaxSize = 64 << 20

// Decode decodes a blueprint from JSON or YAML. JSON is recognised by its
// first non-blank character being `{`; anything else is read as YAML.
func Decode(data []byte) (*Blueprint, error) {
	if len(data) > MaxSize {
		return nil, &Error{Msg: fmt.Sprintf("file is larger than %d MiB", MaxSize>>20)}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &Error{Msg: "file is empty"}
	}
	var root any
	if trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&root); err != nil {
			return nil, &Error{Msg: "invalid JSON: " + jsonErrorText(trimmed, err)}
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, &Error{Msg: "invalid JSON: unexpected data after the blueprint"}
		}
	} else {
		var y any
		if err := yaml.Unmarshal(trimmed, &y); err != nil {
			return nil, &Error{Msg: "invalid YAML: " + err.Error()}
		}
		v, err := fromYAML(y, 0)
		if err != nil {
			return nil, err
		}
		root = v
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, &Error{Msg: "expected a collection at the top level, got " + kind(root)}
	}
	return decodeTop(top)
}

func decodeTop(top map[string]any) (*Blueprint, error) {
	// API responses wrap the blueprint; clipboard copies use subflows.
	if inner, ok := top["blueprint"].(map[string]any); ok {
		if _, hasFlow := top["flow"]; !hasFlow {
			top = inner
		}
	}
	bp := &Blueprint{}
	if name, ok := top["name"]; ok && name != nil {
		s, ok := name.(string)
		if !ok {
			return nil, &Error{Path: "name", Msg: "expected text, got " + kind(name)}
		}
		bp.Name = s
	}
	rawFlow, ok := top["flow"]
	if !ok {
		if subs, isList := top["subflows"].([]any); isList && len(subs) > 0 {
			if first, isMap := subs[0].(map[string]any); isMap {
				rawFlow, ok = first["flow"], true
			}
		}
	}
	if !ok {
		return nil, &Error{Msg: `no "flow": this is not a scenario blueprint`}
	}
	flow, err := decodeFlow(rawFlow, "flow")
	if err != nil {
		return nil, err
	}
	bp.Flow = flow
	bp.Metadata, _ = top["metadata"].(map[string]any)
	return bp, nil
}

func decodeFlow(raw any, path string) ([]*Module, error) {
	if raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, &Error{Path: path, Msg: "expected a list of modules, got " + kind(raw)}
	}
	out := make([]*Module, 0, len(list))
	for i, item := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		m, err := decodeModule(item, p)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func decodeModule(raw any, path string) (*Module, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, &Error{Path: path, Msg: "expected a module (a collection), got " + kind(raw)}
	}
	m := &Module{Path: path}
	id, err := intField(obj, "id")
	if err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	if id < 0 {
		return nil, &Error{Path: path, Msg: fmt.Sprintf(`"id": must not be negative, got %d`, id)}
	}
	m.ID = id
	where := path
	if id != 0 {
		where = fmt.Sprintf("%s (module %d)", path, id)
	}
	name, ok := obj["module"].(string)
	if !ok || strings.TrimSpace(name) == "" {
		return nil, &Error{Path: where, Msg: `"module": missing module type (expected text like "http:ActionSendData")`}
	}
	m.Module = name
	if m.Version, err = intField(obj, "version"); err != nil {
		return nil, &Error{Path: where, Msg: err.Error()}
	}
	if m.Parameters, err = collection(obj, "parameters"); err != nil {
		return nil, &Error{Path: where, Msg: err.Error()}
	}
	if m.Mapper, err = collection(obj, "mapper"); err != nil {
		return nil, &Error{Path: where, Msg: err.Error()}
	}
	if f, ok := obj["filter"]; ok && f != nil {
		if m.Filter, err = decodeFilter(f); err != nil {
			return nil, &Error{Path: where + ".filter", Msg: err.Error()}
		}
	}
	if r, ok := obj["routes"]; ok && r != nil {
		list, ok := r.([]any)
		if !ok {
			return nil, &Error{Path: where, Msg: `"routes": expected a list, got ` + kind(r)}
		}
		for i, item := range list {
			rp := fmt.Sprintf("%s.routes[%d]", path, i)
			ro, ok := item.(map[string]any)
			if !ok {
				return nil, &Error{Path: rp, Msg: "expected a route (a collection), got " + kind(item)}
			}
			flow, err := decodeFlow(ro["flow"], rp+".flow")
			if err != nil {
				return nil, err
			}
			m.Routes = append(m.Routes, &Route{Flow: flow})
		}
	}
	if b, ok := obj["branches"]; ok && b != nil {
		list, ok := b.([]any)
		if !ok {
			return nil, &Error{Path: where, Msg: `"branches": expected a list, got ` + kind(b)}
		}
		for i, item := range list {
			bp := fmt.Sprintf("%s.branches[%d]", path, i)
			bo, ok := item.(map[string]any)
			if !ok {
				return nil, &Error{Path: bp, Msg: "expected a branch (a collection), got " + kind(item)}
			}
			br := &Branch{}
			br.Label, _ = bo["label"].(string)
			t, _ := bo["type"].(string)
			br.Else = t == "else"
			br.Merge = truthy(bo["merge"])
			br.Disabled = truthy(bo["disabled"])
			if c, ok := bo["conditions"]; ok && c != nil {
				if br.Conditions, err = decodeFilter(map[string]any{"name": br.Label, "conditions": c}); err != nil {
					return nil, &Error{Path: bp, Msg: err.Error()}
				}
			}
			if br.Flow, err = decodeFlow(bo["flow"], bp+".flow"); err != nil {
				return nil, err
			}
			m.Branches = append(m.Branches, br)
		}
	}
	for k, v := range obj {
		switch k {
		case "id", "module", "version", "parameters", "mapper", "filter", "routes", "onerror", "metadata", "branches":
		default:
			if m.Extra == nil {
				m.Extra = map[string]any{}
			}
			m.Extra[k] = v
		}
	}
	if m.OnError, err = decodeFlow(obj["onerror"], path+".onerror"); err != nil {
		return nil, err
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		if d, ok := md["designer"].(map[string]any); ok {
			if s, ok := d["name"].(string); ok {
				m.Label = s
			}
		}
	}
	return m, nil
}

func decodeFilter(raw any) (*Filter, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a collection, got %s", kind(raw))
	}
	f := &Filter{}
	f.Name, _ = obj["name"].(string)
	conds, ok := obj["conditions"]
	if !ok || conds == nil {
		return f, nil
	}
	outer, ok := conds.([]any)
	if !ok {
		return nil, fmt.Errorf(`"conditions": expected a list of lists, got %s`, kind(conds))
	}
	for i, group := range outer {
		inner, ok := group.([]any)
		if !ok {
			return nil, fmt.Errorf(`"conditions"[%d]: expected a list, got %s`, i, kind(group))
		}
		var and []Condition
		for j, c := range inner {
			co, ok := c.(map[string]any)
			if !ok {
				return nil, fmt.Errorf(`"conditions"[%d][%d]: expected a condition, got %s`, i, j, kind(c))
			}
			op, _ := co["o"].(string)
			and = append(and, Condition{A: co["a"], O: op, B: co["b"]})
		}
		f.Conditions = append(f.Conditions, and)
	}
	return f, nil
}

// truthy reads a flag that exports write as a boolean or as text.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(strings.TrimSpace(x), "true")
	}
	return false
}

// intField reads an integer that exports write as a number, a numeric
// string, "" or null (all but numbers meaning 0).
func intField(obj map[string]any, key string) (int, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		return 0, nil
	}
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.Atoi(string(x))
		if err != nil {
			return 0, fmt.Errorf("%q: expected a whole number, got %s", key, x)
		}
		return n, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return 0, fmt.Errorf("%q: expected a whole number, got %q", key, x)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%q: expected a whole number, got %s", key, kind(v))
}

func collection(obj map[string]any, key string) (map[string]any, error) {
	v, ok := obj[key]
	if !ok || v == nil {
		return map[string]any{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%q: expected a collection, got %s", key, kind(v))
	}
	return m, nil
}

func kind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("text %q", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a collection"
	}
	return fmt.Sprintf("%T", v)
}

func jsonErrorText(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, se.Offset-1)
		return fmt.Sprintf("line %d, col %d: %s", line, col, se.Error())
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line, col := position(data, te.Offset)
		return fmt.Sprintf("line %d, col %d: %s", line, col, te.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of file"
	}
	return err.Error()
}

func position(data []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(data))))
	line, col = 1, 1
	for _, b := range data[:offset] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// maxDepth bounds nesting of YAML documents (anchors can make them deep).
const maxDepth = 512

// fromYAML converts a decoded YAML value into the types JSON decoding yields:
// numbers as json.Number, collections as map[string]any.
func fromYAML(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, &Error{Msg: "invalid YAML: nested too deeply"}
	}
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), nil
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromYAML(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = c
		}
		return out, nil
	}
	return fmt.Sprint(v), nil
}
