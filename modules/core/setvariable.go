package core

import (
	"context"
	"strconv"
	"strings"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

// scopeField is the variable lifetime of the Set variable modules. A reqflow
// run is one cycle of one execution, so both lifetimes behave the same.
var scopeField = engine.Field{Name: "scope", Label: "Variable lifetime", Type: engine.Select, Default: "roundtrip",
	Options:     []string{"roundtrip", "execution"},
	Description: "roundtrip (one cycle) or execution; a reqflow run is one cycle, so both keep the value until the run ends."}

func setVariableSpec() *engine.Spec {
	return &engine.Spec{
		ID:          "util:SetVariable2",
		Versions:    []int{1},
		Label:       "Set variable",
		Description: "Sets an execution variable that Get variable modules read, and outputs {NAME: value}.",
		Mapper: []engine.Field{
			{Name: "name", Label: "Variable name", Type: engine.Text, Required: true},
			scopeField,
			{Name: "value", Label: "Variable value", Type: "any"},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			if err := checkScope(m.Mapper); err != nil {
				return nil, err
			}
			return setVariable{}, nil
		},
	}
}

// checkScope validates a static scope field.
func checkScope(mapper map[string]any) error {
	f := engine.NewFields(static(mapper))
	f.OneOf("scope", "roundtrip", "roundtrip", "execution")
	return mapperError(f)
}

// setVariable is Make's Set variable (util:SetVariable2).
type setVariable struct{}

// Run stores the variable and outputs {name: value}.
func (setVariable) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	f.OneOf("scope", "roundtrip", "roundtrip", "execution")
	name := requiredName(f, "name")
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	v := f.Value("value")
	op.Execution.SetVar(name, v)
	return []bundle.Bundle{{name: v}}, nil
}

// requiredName reads a variable name that must not be empty.
func requiredName(f *engine.Fields, field string) string {
	name := strings.TrimSpace(f.Text(field))
	if name == "" {
		f.Fail(field, "required: the variable name is empty")
	}
	return name
}

// indexed names an item of an array field, 1-based as Make numbers them.
func indexed(field string, i int, key string) string {
	return field + "[" + strconv.Itoa(i+1) + "]." + key
}

var _ engine.Module = setVariable{}
