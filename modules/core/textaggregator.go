package core

import (
	"context"
	"strings"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/iml"
)

func textAggregatorSpec() *engine.Spec {
	return &engine.Spec{
		ID:          "util:TextAggregator",
		Versions:    []int{1},
		Label:       "Text aggregator",
		Description: "Joins the text of its source module's bundles into one bundle {text}.",
		Parameters: []engine.Field{feederParam,
			{Name: "rowSeparator", Label: "Row separator", Type: engine.Select, Default: "",
				Options:     []string{"\n", "\t", "other", ""},
				Description: `"\n" (new row), "\t" (tab), "other" (otherRowSeparator) or "" (empty); "newline" and "tab" are accepted too.`},
			{Name: "otherRowSeparator", Label: "Separator", Type: engine.Text, Description: `The separator when rowSeparator is "other".`},
		},
		Mapper: []engine.Field{{Name: "value", Label: "Text", Type: engine.Text, Description: "The text of one bundle."}},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			sep := ""
			switch v := p.Text("rowSeparator"); v {
			case "", "empty":
			case "\n", "newline":
				sep = "\n"
			case "\t", "tab":
				sep = "\t"
			case "other":
				sep = p.Text("otherRowSeparator")
			default:
				p.Fail("rowSeparator", `expected "\n", "\t", "other" or "", got `+quote(v))
			}
			if err := paramError(p); err != nil {
				return nil, err
			}
			return textAggregator{sep: sep}, nil
		},
	}
}

// textAggregator is Make's Text aggregator (util:TextAggregator).
type textAggregator struct{ sep string }

// Run is not used: the engine calls Aggregate.
func (textAggregator) Run(context.Context, *engine.Op) ([]bundle.Bundle, error) {
	return nil, errNotFed
}

// Aggregate outputs {text}: each item's value as text, joined by the row
// separator.
func (a textAggregator) Aggregate(_ context.Context, _ *engine.Op, items []map[string]any) ([]bundle.Bundle, error) {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = iml.ToText(it["value"])
	}
	return []bundle.Bundle{{"text": strings.Join(parts, a.sep)}}, nil
}

var _ engine.Aggregator = textAggregator{}
