package cli

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/engine"
)

// loadFailure is the `run --json` document for a blueprint that cannot run:
// the execution contract's shape with status "error", no modules, and the
// list of problems.
type loadFailure struct {
	Scenario string                `json:"scenario"`
	Status   engine.Status         `json:"status"`
	Error    *engine.ReportError   `json:"error"`
	Modules  []engine.ReportModule `json:"modules"`
	Problems []loadProblem         `json:"problems"`
}

type loadProblem struct {
	Module int    `json:"module"`
	Type   string `json:"type"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// writeLoadFailure prints the JSON document for a blueprint that could not
// be loaded (bp may be nil when the file is not a blueprint at all).
func writeLoadFailure(w io.Writer, bp *blueprint.Blueprint, err error) error {
	doc := loadFailure{Status: engine.StatusError, Modules: []engine.ReportModule{}, Problems: []loadProblem{}}
	if bp != nil {
		doc.Scenario = bp.Name
	}
	var ue *engine.UnsupportedError
	if errors.As(err, &ue) {
		for _, p := range ue.Problems {
			doc.Problems = append(doc.Problems, loadProblem{Module: p.ID, Type: string(engine.InvalidConfigurationError), Path: p.Path, Reason: p.Reason})
		}
	}
	doc.Error = &engine.ReportError{Type: engine.InvalidConfigurationError, Message: err.Error()}
	if len(doc.Problems) > 0 {
		doc.Error.Module = doc.Problems[0].Module
	}
	return writeJSON(w, doc)
}

// inputRef finds {{var.input.NAME}} references in mapper text.
var inputRef = regexp.MustCompile("var\\.input\\.(?:`([^`]+)`|([A-Za-z0-9_$-]+))")

// missingInputs lists the inputs a blueprint reads that were not given.
func missingInputs(bp *blueprint.Blueprint, inputs map[string]any) []string {
	seen := map[string]bool{}
	var visit func(v any)
	visit = func(v any) {
		switch x := v.(type) {
		case string:
			for _, m := range inputRef.FindAllStringSubmatch(x, -1) {
				name := m[1] + m[2]
				if _, ok := inputs[name]; !ok {
					seen[name] = true
				}
			}
		case map[string]any:
			for _, e := range x {
				visit(e)
			}
		case []any:
			for _, e := range x {
				visit(e)
			}
		}
	}
	blueprint.Walk(bp.Flow, func(m *blueprint.Module) {
		visit(m.Mapper)
		if m.Filter != nil {
			for _, g := range m.Filter.Conditions {
				for _, c := range g {
					visit(c.A)
					visit(c.B)
				}
			}
		}
	})
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// warnMissingInputs tells the user about inputs the blueprint reads but the
// command line did not set: they read as empty text, which is rarely meant.
func warnMissingInputs(w io.Writer, bp *blueprint.Blueprint, inputs map[string]any) {
	for _, name := range missingInputs(bp, inputs) {
		fmt.Fprintf(w, "reqflow: warning: {{var.input.%s}} is not set and reads as empty text (set it with --input %s=VALUE)\n", name, name)
	}
}
