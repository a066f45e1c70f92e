package core

import (
	"context"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

func createJSONSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "json:CreateJSON",
		Versions: []int{1},
		Label:    "Create JSON",
		Description: "Outputs {json}: the module's mapper (the fields of its data structure) printed as a JSON object. " +
			"Keys are printed in alphabetical order (a blueprint does not keep the data structure's order).",
		Parameters: []engine.Field{
			{Name: "type", Label: "Data structure", Type: engine.Integer,
				Description: "The id of a Make data structure; not needed here: the mapper's keys are the fields."},
			spaceParam,
		},
		Mapper: []engine.Field{{Name: "(any)", Type: engine.Collection, Description: "The fields of the JSON object."}},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			indent := indentOf(p)
			if err := paramError(p); err != nil {
				return nil, err
			}
			return createJSON{indent: indent}, nil
		},
	}
}

// createJSON is Make's Create JSON (json:CreateJSON).
type createJSON struct{ indent string }

// Run prints the mapper as JSON.
func (c createJSON) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	obj := op.Input
	if obj == nil {
		obj = map[string]any{}
	}
	text, err := encodeJSON(obj, c.indent)
	if err != nil {
		return nil, dataError(err)
	}
	return []bundle.Bundle{{"json": text}}, nil
}

var _ engine.Module = createJSON{}
