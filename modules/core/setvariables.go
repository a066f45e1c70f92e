package core

import (
	"context"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

func setVariablesSpec() *engine.Spec {
	return &engine.Spec{
		ID:          "util:SetVariables",
		Versions:    []int{1},
		Label:       "Set multiple variables",
		Description: "Sets several execution variables and outputs them as one bundle {NAME: value, …}.",
		Mapper: []engine.Field{
			{Name: "variables", Label: "Variables", Type: engine.Array, Fields: []engine.Field{
				{Name: "name", Label: "Variable name", Type: engine.Text, Required: true},
				{Name: "value", Label: "Variable value", Type: "any"},
			}},
			scopeField,
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			if err := checkScope(m.Mapper); err != nil {
				return nil, err
			}
			return setVariables{}, nil
		},
	}
}

// setVariables is Make's Set multiple variables (util:SetVariables).
type setVariables struct{}

// Run stores every variable, in order, and outputs them.
func (setVariables) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	f.OneOf("scope", "roundtrip", "roundtrip", "execution")
	items := f.Items("variables")
	out := bundle.Bundle{}
	type kv struct {
		name  string
		value any
	}
	vars := make([]kv, 0, len(items))
	for i, it := range items {
		name := requiredName(engine.NewFields(it), "name")
		if name == "" {
			f.Fail(indexed("variables", i, "name"), "required: the variable name is empty")
			continue
		}
		vars = append(vars, kv{name, it["value"]})
	}
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	for _, v := range vars {
		op.Execution.SetVar(v.name, v.value)
		out[v.name] = v.value
	}
	return []bundle.Bundle{out}, nil
}

var _ engine.Module = setVariables{}
