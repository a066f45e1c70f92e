package core

import (
	"context"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

func getVariableSpec() *engine.Spec {
	return &engine.Spec{
		ID:          "util:GetVariable2",
		Versions:    []int{1},
		Label:       "Get variable",
		Description: "Outputs {NAME: value} for a variable set earlier in the run; null when it was never set.",
		Mapper:      []engine.Field{{Name: "name", Label: "Variable name", Type: engine.Text, Required: true}},
		New:         func(*blueprint.Module) (engine.Module, error) { return getVariable{}, nil },
	}
}

// getVariable is Make's Get variable (util:GetVariable2).
type getVariable struct{}

// Run outputs {name: value}.
func (getVariable) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	name := requiredName(f, "name")
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	v, _ := op.Execution.Var(name)
	return []bundle.Bundle{{name: v}}, nil
}

var _ engine.Module = getVariable{}
