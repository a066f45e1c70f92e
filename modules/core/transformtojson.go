package core

import (
	"context"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

func transformToJSONSpec() *engine.Spec {
	return &engine.Spec{
		ID:          "json:TransformToJSON",
		Versions:    []int{1},
		Label:       "Transform to JSON",
		Description: "Outputs {json}: any value (collection, array, text, number…) printed as JSON.",
		Parameters:  []engine.Field{spaceParam},
		Mapper:      []engine.Field{{Name: "object", Label: "Object", Type: "any"}},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			indent := indentOf(p)
			if err := paramError(p); err != nil {
				return nil, err
			}
			return transformToJSON{indent: indent}, nil
		},
	}
}

// transformToJSON is Make's Transform to JSON (json:TransformToJSON).
type transformToJSON struct{ indent string }

// Run prints the object field as JSON.
func (t transformToJSON) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	text, err := encodeJSON(op.Input["object"], t.indent)
	if err != nil {
		return nil, dataError(err)
	}
	return []bundle.Bundle{{"json": text}}, nil
}

var _ engine.Module = transformToJSON{}
