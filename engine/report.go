package engine

import (
	"github.com/reqflow/reqflow/bundle"
)

// Report is the JSON document `reqflow run --json` prints: the stable
// contract scripts rely on.
type Report struct {
	Scenario string         `json:"scenario"`
	Status   Status         `json:"status"`
	Error    *ReportError   `json:"error"`
	Modules  []ReportModule `json:"modules"`
	Duration float64        `json:"durationMs"`
	ID       string         `json:"executionId"`
}

// ReportError is an error in a Report.
type ReportError struct {
	Module     int       `json:"module"`
	Type       ErrorType `json:"type"`
	Message    string    `json:"message"`
	StatusCode int       `json:"statusCode,omitempty"`
	HandledBy  string    `json:"handledBy,omitempty"`
}

// ReportModule is one module in a Report.
type ReportModule struct {
	ID         int               `json:"id"`
	Module     string            `json:"module"`
	Label      string            `json:"label,omitempty"`
	Stubbed    bool              `json:"stubbed,omitempty"`
	Operations []ReportOperation `json:"operations"`
}

// ReportOperation is one operation in a Report.
type ReportOperation struct {
	Input    any          `json:"input"`
	Outputs  []any        `json:"outputs"`
	Error    *ReportError `json:"error"`
	Duration float64      `json:"durationMs"`
}

// Report builds the JSON report of the execution: dates as ISO-8601 text,
// binary data as {"$binary": {size, sha256}}.
func (x *Execution) Report() *Report {
	r := &Report{Scenario: x.Scenario, Status: x.Status, ID: x.ID, Modules: []ReportModule{}}
	r.Duration = ms(x.Finished.Sub(x.Started).Seconds())
	if x.Err != nil {
		r.Error = reportError(x.Err.ModuleID, x.Err.Error)
	}
	for _, m := range x.Modules {
		rm := ReportModule{ID: m.ID, Module: m.Module, Label: m.Label, Stubbed: m.Stubbed, Operations: []ReportOperation{}}
		for _, op := range m.Operations {
			ro := ReportOperation{Input: bundle.ToJSON(op.Input), Outputs: []any{}, Duration: ms(op.Duration.Seconds())}
			if op.Input == nil {
				ro.Input = map[string]any{}
			}
			for _, b := range op.Outputs {
				ro.Outputs = append(ro.Outputs, bundle.ToJSON(b))
			}
			if op.Err != nil {
				ro.Error = reportError(m.ID, op.Err)
				ro.Error.HandledBy = op.HandledBy
			}
			rm.Operations = append(rm.Operations, ro)
		}
		r.Modules = append(r.Modules, rm)
	}
	return r
}

func reportError(id int, e *Error) *ReportError {
	return &ReportError{Module: id, Type: e.Type, Message: e.Message, StatusCode: e.StatusCode}
}

func ms(seconds float64) float64 {
	return float64(int64(seconds*1e6)) / 1e3
}
