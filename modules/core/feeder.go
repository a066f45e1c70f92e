package core

import (
	"context"
	"fmt"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

// Keys Make adds to every bundle an iterator outputs.
const (
	// IndexKey is the 1-based position of the item in the array.
	IndexKey = "__IMTINDEX__"
	// LengthKey is the length of the array.
	LengthKey = "__IMTLENGTH__"
)

func feederSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "builtin:BasicFeeder",
		Versions: []int{1},
		Label:    "Iterator",
		Description: "Outputs one bundle per item of an array: a collection item becomes the bundle, any other " +
			"item the bundle {value}; each bundle also carries __IMTINDEX__ (1-based) and __IMTLENGTH__.",
		Mapper: []engine.Field{{Name: "array", Label: "Array", Type: engine.Array, Required: true,
			Description: "The array to split; empty or unset outputs nothing, a single collection is one item."}},
		New: func(*blueprint.Module) (engine.Module, error) { return feeder{}, nil },
	}
}

// feeder is Make's Iterator (builtin:BasicFeeder).
type feeder struct{}

// Run outputs one bundle per item of the array field.
func (feeder) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	var items []any
	switch v := op.Input["array"].(type) {
	case nil:
	case string:
		if v != "" {
			return nil, dataError(&engine.FieldError{Field: "array", Msg: fmt.Sprintf("expected an array, got text %q", excerpt(v))})
		}
	case []any:
		items = v
	case map[string]any:
		items = []any{v}
	default:
		return nil, dataError(&engine.FieldError{Field: "array", Msg: fmt.Sprintf("expected an array, got %T", v)})
	}
	out := make([]bundle.Bundle, 0, len(items))
	for i, it := range items {
		out = append(out, itemBundle(it, i+1, len(items)))
	}
	return out, nil
}

// itemBundle is the bundle of one array item: a copy of a collection, or
// {value} for anything else, with the iterator's position keys.
func itemBundle(item any, index, length int) bundle.Bundle {
	b := bundle.Bundle{}
	if m, ok := item.(map[string]any); ok {
		for k, v := range m {
			b[k] = v
		}
	} else {
		b["value"] = item
	}
	b[IndexKey] = index
	b[LengthKey] = length
	return b
}

// excerpt shortens text quoted in an error.
func excerpt(s string) string {
	const max = 40
	r := []rune(s)
	if len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

var _ engine.Module = feeder{}
