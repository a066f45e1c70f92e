package core

import (
	"context"
	"errors"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

// feederParam is the source module of an aggregator.
var feederParam = engine.Field{Name: "feeder", Label: "Source Module", Type: engine.Integer, Required: true,
	Description: "The id of the module whose bundles are aggregated: the aggregator runs once per operation of it."}

func aggregatorSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "builtin:BasicAggregator",
		Versions: []int{1},
		Label:    "Array aggregator",
		Description: "Collects the bundles of its source module's operation into one bundle {array}: " +
			"each item is the aggregator's mapper evaluated for one bundle.",
		Parameters: []engine.Field{feederParam},
		Mapper: []engine.Field{{Name: "(any)", Type: engine.Collection,
			Description: "The fields of each aggregated item, as Make's \"Custom\" target structure."}},
		New: func(*blueprint.Module) (engine.Module, error) { return arrayAggregator{}, nil },
	}
}

// arrayAggregator is Make's Array aggregator (builtin:BasicAggregator).
type arrayAggregator struct{}

// errNotFed is returned when an aggregator is run as an ordinary module.
var errNotFed = errors.New("an aggregator runs only through its source module (parameters.feeder)")

// Run is not used: the engine calls Aggregate.
func (arrayAggregator) Run(context.Context, *engine.Op) ([]bundle.Bundle, error) {
	return nil, errNotFed
}

// Aggregate outputs {array: items}.
func (arrayAggregator) Aggregate(_ context.Context, _ *engine.Op, items []map[string]any) ([]bundle.Bundle, error) {
	arr := make([]any, len(items))
	for i, it := range items {
		if it == nil {
			it = map[string]any{}
		}
		arr[i] = it
	}
	return []bundle.Bundle{{"array": arr}}, nil
}

var _ engine.Aggregator = arrayAggregator{}
