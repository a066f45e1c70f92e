package core

import (
	"context"
	"fmt"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/iml"
)

// Numeric aggregate functions of util:FunctionAggregator2.
var aggregateFunctions = []string{"avg", "sum", "count", "max", "min"}

func functionAggregatorSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "util:FunctionAggregator2",
		Versions: []int{1},
		Label:    "Numeric aggregator",
		Description: "Aggregates a number from each bundle of its source module's operation into one bundle {result}. " +
			"Empty values are skipped (count counts every bundle); with no numbers, sum, avg, max and min are 0.",
		Parameters: []engine.Field{feederParam,
			{Name: "fn", Label: "Aggregate function", Type: engine.Select, Required: true, Options: aggregateFunctions}},
		Mapper: []engine.Field{{Name: "value", Label: "Value", Type: engine.Text, Description: "A number, or text holding one."}},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			if !p.Has("fn") {
				p.Fail("fn", "required: one of "+fmt.Sprint(aggregateFunctions))
			}
			fn := p.OneOf("fn", "sum", aggregateFunctions...)
			if err := paramError(p); err != nil {
				return nil, err
			}
			return functionAggregator{fn: fn}, nil
		},
	}
}

// functionAggregator is Make's Numeric aggregator (util:FunctionAggregator2).
type functionAggregator struct{ fn string }

// Run is not used: the engine calls Aggregate.
func (functionAggregator) Run(context.Context, *engine.Op) ([]bundle.Bundle, error) {
	return nil, errNotFed
}

// Aggregate outputs {result}.
func (a functionAggregator) Aggregate(_ context.Context, _ *engine.Op, items []map[string]any) ([]bundle.Bundle, error) {
	if a.fn == "count" {
		return []bundle.Bundle{{"result": len(items)}}, nil
	}
	var nums []float64
	for i, it := range items {
		v := it["value"]
		if v == nil || v == "" {
			continue
		}
		n, ok := iml.ToNumber(v)
		if !ok {
			return nil, dataError(&engine.FieldError{Field: fmt.Sprintf("value (bundle %d)", i+1),
				Msg: fmt.Sprintf("expected a number, got %q", excerpt(iml.ToText(v)))})
		}
		nums = append(nums, n)
	}
	result := 0.0
	for i, n := range nums {
		switch {
		case a.fn == "sum" || a.fn == "avg":
			result += n
		case i == 0:
			result = n
		case a.fn == "max" && n > result, a.fn == "min" && n < result:
			result = n
		}
	}
	if a.fn == "avg" && len(nums) > 0 {
		result /= float64(len(nums))
	}
	return []bundle.Bundle{{"result": number(result)}}, nil
}

// number returns a whole float as an int, so it prints as 3, not 3.0.
func number(f float64) any {
	if f == float64(int64(f)) && f < 1<<53 && f > -(1<<53) {
		return int(f)
	}
	return f
}

var _ engine.Aggregator = functionAggregator{}
