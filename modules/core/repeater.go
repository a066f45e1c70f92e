package core

import (
	"context"
	"fmt"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/iml"
)

// MaxRepeats bounds builtin:BasicRepeater, as Make's interface does.
const MaxRepeats = 10000

func repeaterSpec() *engine.Spec {
	return &engine.Spec{
		ID:          "builtin:BasicRepeater",
		Versions:    []int{1},
		Label:       "Repeater",
		Description: "Outputs repeats bundles {i}, i going from start by step.",
		Mapper: []engine.Field{
			{Name: "start", Label: "Initial value", Type: engine.Integer, Default: 1, Required: true},
			{Name: "repeats", Label: "Repeats", Type: engine.Integer, Required: true, Description: "0–10000."},
			{Name: "step", Label: "Step", Type: engine.Integer, Default: 1, Required: true},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			f := engine.NewFields(static(m.Mapper))
			f.Int("repeats", 1, 0, MaxRepeats)
			if err := mapperError(f); err != nil {
				return nil, err
			}
			return repeater{}, nil
		},
	}
}

// repeater is Make's Repeater (builtin:BasicRepeater).
type repeater struct{}

// Run outputs one bundle {i} per repeat.
func (repeater) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	repeats := f.Int("repeats", 1, 0, MaxRepeats)
	start := numberField(f, "start", 1)
	step := numberField(f, "step", 1)
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	out := make([]bundle.Bundle, repeats)
	for k := range out {
		out[k] = bundle.Bundle{"i": number(start + float64(k)*step)}
	}
	return out, nil
}

// numberField reads a number (or text holding one); def when unset.
func numberField(f *engine.Fields, name string, def float64) float64 {
	if !f.Has(name) {
		return def
	}
	n, ok := iml.ToNumber(f.Value(name))
	if !ok {
		f.Fail(name, fmt.Sprintf("expected a number, got %q", excerpt(f.Text(name))))
		return def
	}
	return n
}

var _ engine.Module = repeater{}
