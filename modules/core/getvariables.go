package core

import (
	"context"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

func getVariablesSpec() *engine.Spec {
	return &engine.Spec{
		ID:          "util:GetVariables",
		Versions:    []int{1},
		Label:       "Get multiple variables",
		Description: "Outputs one bundle {NAME: value, …} for the listed variables; null for one never set.",
		Mapper: []engine.Field{{Name: "variables", Label: "Variables", Type: engine.Array, Fields: []engine.Field{
			{Name: "name", Label: "Variable name", Type: engine.Text, Required: true},
		}}},
		New: func(*blueprint.Module) (engine.Module, error) { return getVariables{}, nil },
	}
}

// getVariables is Make's Get multiple variables (util:GetVariables).
type getVariables struct{}

// Run outputs every listed variable.
func (getVariables) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	out := bundle.Bundle{}
	for i, it := range f.Items("variables") {
		name := requiredName(engine.NewFields(it), "name")
		if name == "" {
			f.Fail(indexed("variables", i, "name"), "required: the variable name is empty")
			continue
		}
		v, _ := op.Execution.Var(name)
		out[name] = v
	}
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	return []bundle.Bundle{out}, nil
}

var _ engine.Module = getVariables{}
