package httpapp

import (
	"context"
	"fmt"
	"strings"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

func retrieveHeadersSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "http:ActionRetrieveHeaders",
		Versions: []int{3},
		Label:    "Retrieve headers",
		Description: "An iterator: outputs one bundle {name, value} per header field of the last response of " +
			"an HTTP module of the scenario, in received order, one per Set-Cookie value. Names are lower case.",
		Parameters: []engine.Field{
			{Name: "module", Label: "Source module", Type: engine.Integer, Required: true, Description: "The id of the HTTP module whose response headers to output."},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			if !p.Has("module") {
				return nil, fmt.Errorf("parameters: field %q: the source module's id is required", "module")
			}
			src := p.Int("module", 0, 1, 1<<31-1)
			if err := p.Err(); err != nil {
				return nil, fmt.Errorf("parameters: %w", err)
			}
			if src == m.ID {
				return nil, fmt.Errorf("parameters: field %q: a module cannot retrieve its own headers", "module")
			}
			return &retrieveHeaders{source: src}, nil
		},
	}
}

// retrieveHeaders is Retrieve Headers (http:ActionRetrieveHeaders).
type retrieveHeaders struct {
	source int
}

// Run outputs the source module's response headers, one bundle each.
func (r *retrieveHeaders) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	res, ok := op.Execution.Result(r.source)
	if !ok {
		return nil, &engine.Error{Type: engine.DataError,
			Message: fmt.Sprintf("parameters: field %q: module %d has not received an HTTP response in this execution", "module", r.source)}
	}
	out := make([]bundle.Bundle, len(res.Header))
	for i, h := range res.Header {
		out[i] = bundle.Bundle{"name": strings.ToLower(h[0]), "value": h[1]}
	}
	return out, nil
}

var _ engine.Module = (*retrieveHeaders)(nil)
