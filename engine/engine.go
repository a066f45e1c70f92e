// Package engine runs scenarios: it loads a blueprint against a registry of
// module types, then runs executions — operations over bundles, depth first,
// each later module running once per bundle it receives.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/iml"
)

// Scenario is a blueprint prepared to run: every module resolved to its
// implementation and every formula compiled.
type Scenario struct {
	// Name is the scenario name from the blueprint.
	Name string
	flow []*step
}

type step struct {
	bp      *blueprint.Module
	id      string
	module  Module
	mapper  *mapper
	stubbed bool
}

// LoadOptions changes how a blueprint is prepared.
type LoadOptions struct {
	// Stubs gives modules (by id) a fixed output instead of running them:
	// each value is one output bundle.
	Stubs map[int][]bundle.Bundle
}

// UnsupportedError lists the modules of a blueprint that cannot run.
type UnsupportedError struct {
	Problems []ModuleProblem
}

// ModuleProblem is why one module of a blueprint cannot run.
type ModuleProblem struct {
	ID     int
	Module string
	Path   string
	Reason string
}

func (p ModuleProblem) String() string {
	who := fmt.Sprintf("module %d (%s)", p.ID, p.Module)
	if p.ID == 0 {
		who = fmt.Sprintf("module at %s (%s)", p.Path, p.Module)
	}
	return who + ": " + p.Reason
}

func (e *UnsupportedError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "the scenario cannot run:\n  " + strings.Join(lines, "\n  ")
}

// placeholder is the module type Make writes for an empty trigger slot.
const placeholder = "placeholder:Placeholder"

// Check reports, for every module of the blueprint, whether it can run.
// A nil problem list means the scenario can run.
func Check(reg *Registry, bp *blueprint.Blueprint, opts LoadOptions) ([]ModuleReport, error) {
	_, reports, err := load(reg, bp, opts)
	return reports, err
}

// ModuleReport is what `reqflow check` says of one module.
type ModuleReport struct {
	ID        int    `json:"id"`
	Module    string `json:"module"`
	Version   int    `json:"version"`
	Path      string `json:"path"`
	Label     string `json:"label,omitempty"`
	Supported bool   `json:"supported"`
	Stubbed   bool   `json:"stubbed,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Load prepares a blueprint to run. It fails with *UnsupportedError when a
// module cannot run (unknown type, bad static configuration, a formula that
// does not compile), naming each such module.
func Load(reg *Registry, bp *blueprint.Blueprint, opts LoadOptions) (*Scenario, error) {
	sc, _, err := load(reg, bp, opts)
	return sc, err
}

func load(reg *Registry, bp *blueprint.Blueprint, opts LoadOptions) (*Scenario, []ModuleReport, error) {
	sc := &Scenario{Name: bp.Name}
	var reports []ModuleReport
	seen := map[int]string{}
	blueprint.Walk(bp.Flow, func(m *blueprint.Module) {
		r := ModuleReport{ID: m.ID, Module: m.Module, Version: m.Version, Path: m.Path, Label: m.Label, Supported: true}
		if m.ID != 0 {
			if prev, dup := seen[m.ID]; dup {
				r.Supported, r.Reason = false, "the id is also used by the module at "+prev
			} else {
				seen[m.ID] = m.Path
			}
		}
		reports = append(reports, r)
	})
	// Only the top-level linear flow runs for now; routes and error routes
	// are reported as unsupported.
	i := 0
	var visit func(flow []*blueprint.Module, top bool)
	visit = func(flow []*blueprint.Module, top bool) {
		for _, m := range flow {
			r := &reports[i]
			i++
			if r.Reason != "" {
				continue
			}
			s, err := prepare(reg, m, opts, top)
			if err != nil {
				r.Supported, r.Reason = false, err.Error()
			} else if s != nil {
				r.Stubbed = s.stubbed
				if top {
					sc.flow = append(sc.flow, s)
				}
			}
			for _, rt := range m.Routes {
				visit(rt.Flow, false)
			}
			visit(m.OnError, false)
		}
	}
	visit(bp.Flow, true)
	var problems []ModuleProblem
	for _, r := range reports {
		if !r.Supported {
			problems = append(problems, ModuleProblem{ID: r.ID, Module: r.Module, Path: r.Path, Reason: r.Reason})
		}
	}
	if len(problems) > 0 {
		return nil, reports, &UnsupportedError{Problems: problems}
	}
	return sc, reports, nil
}

// prepare resolves one module. It returns nil, nil for a placeholder.
func prepare(reg *Registry, m *blueprint.Module, opts LoadOptions, top bool) (*step, error) {
	if m.Module == placeholder {
		return nil, nil
	}
	if m.ID == 0 {
		return nil, errors.New("the module has no id")
	}
	st := &step{bp: m, id: strconv.Itoa(m.ID)}
	if out, ok := opts.Stubs[m.ID]; ok {
		st.stubbed = true
		st.module = ModuleFunc(func(context.Context, *Op) ([]bundle.Bundle, error) { return cloneBundles(out), nil })
		st.mapper = &mapper{m: map[string]*mapper{}}
		return st, nil
	}
	if !top {
		return nil, errors.New("modules inside routers and error routes are not supported yet")
	}
	if len(m.Routes) > 0 {
		return nil, errors.New("routers are not supported yet")
	}
	if len(m.OnError) > 0 {
		return nil, errors.New("error handlers (onerror) are not supported yet")
	}
	if m.Filter != nil && len(m.Filter.Conditions) > 0 {
		return nil, errors.New("filters are not supported yet")
	}
	spec, err := reg.Lookup(m.Module, m.Version)
	if err != nil {
		return nil, fmt.Errorf("%w; stub it with --stub %d=FILE.json", err, m.ID)
	}
	mod, err := spec.New(m)
	if err != nil {
		return nil, err
	}
	mp, err := compileMapper(m.Mapper, "")
	if err != nil {
		return nil, err
	}
	st.module, st.mapper = mod, mp
	return st, nil
}

func cloneBundles(in []bundle.Bundle) []bundle.Bundle {
	out := make([]bundle.Bundle, len(in))
	for i, b := range in {
		out[i] = cloneValue(b).(map[string]any)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

// Status is the outcome of an execution, as Make reports it.
type Status string

// Execution statuses.
const (
	StatusSuccess Status = "success"
	StatusWarning Status = "warning"
	StatusError   Status = "error"
)

// Execution is one run of a scenario: its operations, bundles and errors.
type Execution struct {
	// ID identifies the execution; {{executionId}} in formulas.
	ID string
	// Scenario is the scenario's name.
	Scenario string
	// Status is the outcome, set when the run ends.
	Status Status
	// Err is the error that ended the execution, if one did.
	Err *ExecError
	// Modules lists every module that ran, in first-run order.
	Modules []*ModuleRun
	// Started and Finished bound the run.
	Started, Finished time.Time

	// Inputs are the values {{var.input.NAME}} reads.
	Inputs map[string]any
	// Logger receives the execution's log records.
	Logger *slog.Logger

	jarOnce sync.Once
	jar     http.CookieJar
	runs    map[string]*ModuleRun
	results map[string]*Result
}

// ExecError is the error that ended an execution.
type ExecError struct {
	// ModuleID is the id of the module that failed.
	ModuleID int
	// Module is the failing module's type.
	Module string
	*Error
}

// ModuleRun is what one module did during an execution.
type ModuleRun struct {
	ID         int
	Module     string
	Label      string
	Stubbed    bool
	Operations []*Operation
}

// Operation is one run of a module on one input.
type Operation struct {
	// Input is the evaluated mapper, with secrets redacted.
	Input map[string]any
	// Outputs are the bundles the operation produced.
	Outputs []bundle.Bundle
	// Err is the operation's error, if it failed.
	Err *Error
	// Duration is how long the operation took.
	Duration time.Duration
}

// Result is extra information a module leaves for later modules of the same
// execution (Retrieve Headers reads the raw headers of an HTTP module).
type Result struct {
	// Header holds response headers in received order.
	Header [][2]string
}

// CookieJar returns the execution's cookie jar, shared by every HTTP module
// that has "Share cookies" on.
func (x *Execution) CookieJar() http.CookieJar {
	x.jarOnce.Do(func() {
		jar, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
		x.jar = jar
	})
	return x.jar
}

// SetResult records a module's extra result for later modules.
func (x *Execution) SetResult(moduleID int, r *Result) {
	x.results[strconv.Itoa(moduleID)] = r
}

// Result returns the last extra result a module recorded.
func (x *Execution) Result(moduleID int) (*Result, bool) {
	r, ok := x.results[strconv.Itoa(moduleID)]
	return r, ok
}

// RunOptions configures one execution.
type RunOptions struct {
	// Inputs are the values {{var.input.NAME}} reads.
	Inputs map[string]any
	// Logger receives log records; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Location is the scenario time zone for date formulas; nil means UTC.
	Location *time.Location
}

// Run executes the scenario once. The returned execution is complete even
// when its status is error; the error return is reserved for a cancelled
// context.
func (sc *Scenario) Run(ctx context.Context, opts RunOptions) (*Execution, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	x := &Execution{
		ID:       newID(),
		Scenario: sc.Name,
		Inputs:   opts.Inputs,
		Logger:   logger,
		Started:  now(),
		runs:     map[string]*ModuleRun{},
		results:  map[string]*Result{},
	}
	inputs := map[string]any{}
	for k, v := range opts.Inputs {
		inputs[k] = v
	}
	r := &runner{x: x, flow: sc.flow, scope: iml.MapScope{"var": map[string]any{"input": inputs}}}
	r.env = &iml.Env{Scope: r.scope, Location: opts.Location, ExecutionID: x.ID}
	if opts.Now != nil {
		r.now = opts.Now
	}
	err := r.run(ctx, 0)
	x.Finished = now()
	x.Status = StatusSuccess
	if x.Err != nil {
		x.Status = StatusError
	}
	if err != nil && ctx.Err() != nil {
		return x, fmt.Errorf("running scenario: %w", ctx.Err())
	}
	return x, nil
}

type runner struct {
	x     *Execution
	flow  []*step
	scope iml.MapScope
	env   *iml.Env
	now   func() time.Time
}

// errStop ends the depth-first walk after an unhandled error.
var errStop = errors.New("execution stopped")

func (r *runner) run(ctx context.Context, i int) error {
	if i == len(r.flow) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st := r.flow[i]
	run := r.x.runs[st.id]
	if run == nil {
		run = &ModuleRun{ID: st.bp.ID, Module: st.bp.Module, Label: st.bp.Label, Stubbed: st.stubbed}
		r.x.runs[st.id] = run
		r.x.Modules = append(r.x.Modules, run)
	}
	if r.now != nil {
		r.env.Now = r.now()
	}
	op := &Operation{}
	run.Operations = append(run.Operations, op)
	start := time.Now()
	outs, err := r.operation(ctx, st, op)
	op.Duration = time.Since(start)
	if err != nil {
		op.Err = AsError(err)
		r.x.Err = &ExecError{ModuleID: st.bp.ID, Module: st.bp.Module, Error: op.Err}
		r.x.Logger.LogAttrs(ctx, slog.LevelError, "operation failed",
			slog.Int("module", st.bp.ID), slog.String("type", string(op.Err.Type)), slog.String("message", op.Err.Message))
		return errStop
	}
	op.Outputs = outs
	prev, had := r.scope[st.id]
	for _, b := range outs {
		r.scope[st.id] = b
		if err := r.run(ctx, i+1); err != nil {
			return err
		}
	}
	if had {
		r.scope[st.id] = prev
	} else {
		delete(r.scope, st.id)
	}
	return nil
}

func (r *runner) operation(ctx context.Context, st *step, op *Operation) ([]bundle.Bundle, error) {
	v, err := st.mapper.eval(r.env, "")
	if err != nil {
		return nil, &Error{Type: DataError, Message: err.Error(), Err: err}
	}
	input, _ := v.(map[string]any)
	if input == nil {
		input = map[string]any{}
	}
	op.Input = Redact(input)
	outs, err := st.module.Run(ctx, &Op{Input: input, Module: st.bp, Execution: r.x})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
