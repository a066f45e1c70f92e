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
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/iml"
)

// Status is the outcome of an execution, as Make reports it.
type Status string

// Execution statuses.
const (
	StatusSuccess Status = "success"
	StatusWarning Status = "warning"
	StatusError   Status = "error"
)

// Aggregator is a module that runs once over every bundle that reached it
// from one operation of its source module (the "feeder"), instead of once
// per bundle. Its items are its mapper evaluated for each of those bundles.
type Aggregator interface {
	Module
	Aggregate(ctx context.Context, op *Op, items []map[string]any) ([]bundle.Bundle, error)
}

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
	// Incomplete lists the operations a Break directive stored for later.
	Incomplete []*Incomplete
	// Started and Finished bound the run.
	Started, Finished time.Time

	// Inputs are the values {{var.input.NAME}} reads.
	Inputs map[string]any
	// Logger receives the execution's log records.
	Logger *slog.Logger

	tempDir   string
	keepFiles bool
	onFinish  []func()
	files     filesState // see files.go

	jarOnce sync.Once
	jar     http.CookieJar
	runs    map[string]*ModuleRun
	results map[string]*Result
	vars    map[string]any
}

// Incomplete is an operation that failed and was stored by a Break
// directive, to be retried later.
type Incomplete struct {
	// ModuleID is the failed module.
	ModuleID int
	// Error is the failure.
	Error *Error
	// Retry, Count and Interval are the Break directive's settings.
	Retry    bool
	Count    int
	Interval time.Duration
	// Bundles are the output bundles of the modules before the failed one
	// on its path, keyed by module id, and the execution's variables under
	// "var": what Resume needs to run the module again.
	Bundles map[string]any
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
	// HandledBy names the directive that handled Err ("Ignore", "Resume",
	// "Commit", "Rollback", "Break"), or is empty when nothing did.
	HandledBy string
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
	if x.results == nil {
		x.results = map[string]*Result{}
	}
	x.results[strconv.Itoa(moduleID)] = r
}

// Result returns the last extra result a module recorded.
func (x *Execution) Result(moduleID int) (*Result, bool) {
	r, ok := x.results[strconv.Itoa(moduleID)]
	return r, ok
}

// TempDir is the folder where the execution may keep large files.
func (x *Execution) TempDir() string { return x.tempDir }

// KeepFiles reports whether files the execution produced should outlive it.
func (x *Execution) KeepFiles() bool { return x.keepFiles }

// OnFinish registers fn to run when the execution ends, after its status is
// set (to remove temporary files, close connections). Functions run in
// reverse order of registration.
func (x *Execution) OnFinish(fn func()) { x.onFinish = append(x.onFinish, fn) }

// Var returns an execution variable (set by Set Variable modules).
func (x *Execution) Var(name string) (any, bool) {
	v, ok := x.vars[name]
	return v, ok
}

// SetVar sets an execution variable.
func (x *Execution) SetVar(name string, v any) {
	if x.vars == nil {
		x.vars = map[string]any{}
	}
	x.vars[name] = v
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
	// TempDir is where the execution keeps large files; "" means the
	// system's temporary folder.
	TempDir string
	// KeepFiles keeps the files an execution produced after it ends.
	KeepFiles bool
	// BreakRetryNow retries, within this run, an operation that a Break
	// directive with "retry" stopped: up to its count, waiting its interval
	// capped at BreakWaitCap between attempts.
	BreakRetryNow bool
	// BreakWaitCap bounds each wait of BreakRetryNow; 0 means 5 seconds.
	BreakWaitCap time.Duration
}

// DefaultBreakWaitCap bounds the wait between in-process Break retries.
const DefaultBreakWaitCap = 5 * time.Second

// discard is the logger of executions run without one.
var discard = slog.New(slog.DiscardHandler)

// newBuffers and newConts return the aggregation state of a run, or nil
// for scenarios without aggregators.
func (sc *Scenario) newBuffers() map[*step][]map[string]any {
	if !sc.aggregates {
		return nil
	}
	return map[*step][]map[string]any{}
}

func (sc *Scenario) newConts() map[*step]*cont {
	if !sc.aggregates {
		return nil
	}
	return map[*step]*cont{}
}

// Resume runs again the operation that a Break directive stored, from the
// failed module to the end of its flow, with the bundles it had then. The
// modules before it do not run again. A module inside an If-Else branch
// does not continue past the branch's Merge, and aggregators fed before the
// failure do not see the resumed bundles.
func (sc *Scenario) Resume(ctx context.Context, inc *Incomplete, opts RunOptions) (*Execution, error) {
	loc, ok := sc.locations[strconv.Itoa(inc.ModuleID)]
	if !ok {
		return nil, fmt.Errorf("resuming: the scenario has no module %d", inc.ModuleID)
	}
	if in, ok := inc.Bundles["var"].(map[string]any); ok && opts.Inputs == nil {
		opts.Inputs, _ = in["input"].(map[string]any)
	}
	return sc.start(ctx, opts, func(r *runner) error {
		for k, v := range inc.Bundles {
			if k != "var" {
				r.scope[k] = v
			}
		}
		return r.run(ctx, loc.flow, loc.index, nil)
	})
}

// Run executes the scenario once. The returned execution is complete even
// when its status is error; the error return is reserved for a cancelled
// context.
func (sc *Scenario) Run(ctx context.Context, opts RunOptions) (*Execution, error) {
	return sc.start(ctx, opts, func(r *runner) error { return r.run(ctx, sc.flow, 0, nil) })
}

// start prepares an execution and runs body in it.
func (sc *Scenario) start(ctx context.Context, opts RunOptions, body func(*runner) error) (*Execution, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = discard
	}
	x := &Execution{
		ID:        newID(),
		Scenario:  sc.Name,
		Inputs:    opts.Inputs,
		Logger:    logger,
		Started:   now(),
		runs:      make(map[string]*ModuleRun, len(sc.flow)),
		tempDir:   opts.TempDir,
		keepFiles: opts.KeepFiles,
	}
	if x.tempDir == "" {
		x.tempDir = os.TempDir()
	}
	inputs := map[string]any{}
	for k, v := range opts.Inputs {
		inputs[k] = v
	}
	r := &runner{x: x, scope: iml.MapScope{"var": map[string]any{"input": inputs}}, buffers: sc.newBuffers(), conts: sc.newConts()}
	r.env = &iml.Env{Scope: r.scope, Location: opts.Location, ExecutionID: x.ID}
	r.now = opts.Now
	r.opts = opts
	err := body(r)
	x.Finished = now()
	switch {
	case x.Err != nil:
		x.Status = StatusError
	case len(x.Incomplete) > 0:
		x.Status = StatusWarning
	default:
		x.Status = StatusSuccess
	}
	for i := len(x.onFinish) - 1; i >= 0; i-- {
		x.onFinish[i]()
	}
	if err != nil && ctx.Err() != nil {
		return x, fmt.Errorf("running scenario: %w", ctx.Err())
	}
	return x, nil
}

type runner struct {
	x     *Execution
	scope iml.MapScope
	env   *iml.Env
	now   func() time.Time
	// buffers hold what each aggregator collected during its feeder's
	// current operation.
	buffers map[*step][]map[string]any
	// conts hold where each aggregator's flow continues.
	conts map[*step]*cont
	opts  RunOptions
}

// halt ends the whole execution: an unhandled error, Commit or Rollback.
type halt struct{ reason string }

func (h *halt) Error() string { return "execution ended: " + h.reason }

// directiveSignal carries a directive out of an error route to the module
// whose error it handles.
type directiveSignal struct {
	name   string
	output bundle.Bundle
}

func (d *directiveSignal) Error() string { return "directive " + d.name }

// cont is where a flow continues when it ends: an If-Else branch that
// merges continues at the Merge module of the enclosing flow.
type cont struct {
	flow   []*step
	index  int // the Merge module's index in flow
	branch int // which branch was taken (0-based)
	next   *cont
}

// run runs flow from index i for the bundle now in scope, depth first; k
// says where to go when the flow ends.
func (r *runner) run(ctx context.Context, flow []*step, i int, k *cont) error {
	if i == len(flow) {
		if k != nil {
			return r.merge(ctx, k)
		}
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st := flow[i]
	if r.now != nil {
		r.env.Now = r.now()
	}
	ok, err := st.filter.pass(r.env)
	if err != nil {
		return r.fail(st, &Error{Type: DataError, Message: err.Error(), Err: err})
	}
	if !ok {
		return nil
	}
	switch {
	case st.directive != "":
		return r.directive(st)
	case st.bp.Module == router:
		for _, route := range st.routes {
			if err := r.run(ctx, route, 0, k); err != nil {
				return err
			}
		}
		return nil
	case st.bp.Module == ifElse:
		return r.ifElse(ctx, flow, i, k)
	case st.bp.Module == mergeModule:
		// Reached without a branch: the flow simply goes on.
		return r.run(ctx, flow, i+1, k)
	case st.aggregator != nil:
		item, err := st.mapper.eval(r.env, "")
		if err != nil {
			return r.fail(st, &Error{Type: DataError, Message: err.Error(), Err: err})
		}
		m, _ := item.(map[string]any)
		r.buffers[st] = append(r.buffers[st], m)
		if _, seen := r.conts[st]; !seen {
			r.conts[st] = k
		}
		return nil
	}
	run := r.moduleRun(st)
	op := &Operation{}
	run.Operations = append(run.Operations, op)
	for _, a := range st.aggregators {
		r.buffers[a.flow[a.index]] = []map[string]any{}
	}
	start := time.Now()
	outs, err := r.operation(ctx, st, op)
	op.Duration = time.Since(start)
	if err != nil {
		outs, err = r.handle(ctx, st, op, err)
		if err != nil || outs == nil {
			return err
		}
	} else {
		op.Outputs = outs
	}
	if err := r.continueWith(ctx, flow, i, st, outs, k); err != nil {
		return err
	}
	return r.flushAggregators(ctx, st)
}

// ifElse runs the first branch whose conditions pass (or the else branch);
// a merging branch continues at the Merge module that follows.
func (r *runner) ifElse(ctx context.Context, flow []*step, i int, k *cont) error {
	st := flow[i]
	for n, b := range st.branches {
		ok, err := b.filter.pass(r.env)
		if err != nil {
			return r.fail(st, &Error{Type: DataError, Message: err.Error(), Err: err})
		}
		if !ok {
			continue
		}
		next := k
		if b.merge && i+1 < len(flow) && flow[i+1].bp.Module == mergeModule {
			next = &cont{flow: flow, index: i + 1, branch: n, next: k}
		} else if b.merge {
			next = &cont{flow: flow, index: i, branch: n, next: k}
		} else {
			next = nil
		}
		return r.run(ctx, b.flow, 0, next)
	}
	return nil
}

// merge continues the enclosing flow after a branch ends: the Merge module
// outputs the values mapped for the branch taken, and the flow goes on.
func (r *runner) merge(ctx context.Context, k *cont) error {
	st := k.flow[k.index]
	if st.bp.Module != mergeModule {
		return r.run(ctx, k.flow, k.index+1, k.next)
	}
	out := bundle.Bundle{}
	for _, o := range st.mergeOutputs {
		if k.branch < len(o.mappings) && o.mappings[k.branch] != nil {
			v, err := o.mappings[k.branch].eval(r.env, o.name)
			if err != nil {
				return r.fail(st, &Error{Type: DataError, Message: err.Error(), Err: err})
			}
			out[o.name] = v
		} else {
			out[o.name] = nil
		}
	}
	run := r.moduleRun(st)
	run.Operations = append(run.Operations, &Operation{Input: map[string]any{"branch": k.branch + 1}, Outputs: []bundle.Bundle{out}})
	return r.continueWith(ctx, k.flow, k.index, st, []bundle.Bundle{out}, k.next)
}

// continueWith runs the rest of flow once per output bundle of st.
func (r *runner) continueWith(ctx context.Context, flow []*step, i int, st *step, outs []bundle.Bundle, k *cont) error {
	prev, had := r.scope[st.id]
	defer func() {
		if had {
			r.scope[st.id] = prev
		} else {
			delete(r.scope, st.id)
		}
	}()
	for _, b := range outs {
		r.scope[st.id] = b
		if err := r.run(ctx, flow, i+1, k); err != nil {
			return err
		}
	}
	return nil
}

// flushAggregators runs every aggregator fed by st over what it collected,
// then continues the flow after each aggregator with its output.
func (r *runner) flushAggregators(ctx context.Context, st *step) error {
	for _, a := range st.aggregators {
		agg := a.flow[a.index]
		items := r.buffers[agg]
		k := r.conts[agg]
		delete(r.buffers, agg)
		delete(r.conts, agg)
		run := r.moduleRun(agg)
		op := &Operation{Input: map[string]any{"bundles": len(items)}}
		run.Operations = append(run.Operations, op)
		start := time.Now()
		outs, err := agg.aggregator.Aggregate(ctx, &Op{Input: map[string]any{}, Module: agg.bp, Execution: r.x}, items)
		op.Duration = time.Since(start)
		if err != nil {
			outs, err = r.handle(ctx, agg, op, err)
			if err != nil || outs == nil {
				return err
			}
		} else {
			op.Outputs = outs
		}
		// An aggregator may itself feed aggregators (Make lets a Text
		// aggregator's bundles be aggregated again): each of its runs is
		// one operation for them.
		for _, b := range agg.aggregators {
			r.buffers[b.flow[b.index]] = []map[string]any{}
		}
		if err := r.continueWith(ctx, a.flow, a.index, agg, outs, k); err != nil {
			return err
		}
		if err := r.flushAggregators(ctx, agg); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) moduleRun(st *step) *ModuleRun {
	run := r.x.runs[st.id]
	if run == nil {
		run = &ModuleRun{ID: st.bp.ID, Module: st.bp.Module, Label: st.bp.Label, Stubbed: st.stubbed}
		r.x.runs[st.id] = run
		r.x.Modules = append(r.x.Modules, run)
	}
	return run
}

// fail records an error that happened outside an operation (a filter that
// cannot be evaluated) and ends the execution.
func (r *runner) fail(st *step, e *Error) error {
	r.x.Err = &ExecError{ModuleID: st.bp.ID, Module: st.bp.Module, Error: e}
	return &halt{reason: e.Error()}
}

// handle deals with an operation's error: through the module's error route
// when it has one, else by ending the execution. It returns the bundles to
// continue with (a Resume directive's substitute output), or nil.
func (r *runner) handle(ctx context.Context, st *step, op *Operation, err error) ([]bundle.Bundle, error) {
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	e := AsError(err)
	op.Err = e
	r.x.Logger.LogAttrs(ctx, slog.LevelError, "operation failed",
		slog.Int("module", st.bp.ID), slog.String("type", string(e.Type)), slog.String("message", e.Message))
	if len(st.onerror) == 0 {
		r.x.Err = &ExecError{ModuleID: st.bp.ID, Module: st.bp.Module, Error: e}
		return nil, &halt{reason: e.Error()}
	}
	prev, had := r.scope[st.id]
	r.scope[st.id] = map[string]any{"error": e.Bundle()}
	rerr := r.run(ctx, st.onerror, 0, nil)
	if had {
		r.scope[st.id] = prev
	} else {
		delete(r.scope, st.id)
	}
	var sig *directiveSignal
	switch {
	case rerr == nil:
		// A route that ends without a directive ignores the error.
		op.HandledBy = "Ignore"
		return nil, nil
	case errors.As(rerr, &sig):
	default:
		return nil, rerr
	}
	op.HandledBy = sig.name
	switch sig.name {
	case "Resume":
		op.Outputs = []bundle.Bundle{sig.output}
		return op.Outputs, nil
	case "Commit":
		return nil, &halt{reason: "committed after an error"}
	case "Rollback":
		r.x.Err = &ExecError{ModuleID: st.bp.ID, Module: st.bp.Module, Error: e}
		return nil, &halt{reason: "rolled back"}
	case "Break":
		rec := breakRecord(st, e, sig.output)
		rec.Bundles = make(map[string]any, len(r.scope))
		for k, v := range r.scope {
			rec.Bundles[k] = v
		}
		if rec.Retry && r.opts.BreakRetryNow && st.aggregator == nil {
			outs, err := r.retry(ctx, st, op, rec)
			if err != nil || outs != nil {
				return outs, err
			}
		}
		r.x.Incomplete = append(r.x.Incomplete, rec)
	}
	return nil, nil
}

// retry runs a failed operation again, as a Break directive's automatic
// completion would, and returns its outputs once it succeeds. Every attempt
// is recorded as an operation of the module.
func (r *runner) retry(ctx context.Context, st *step, failed *Operation, rec *Incomplete) ([]bundle.Bundle, error) {
	wait := rec.Interval
	limit := r.opts.BreakWaitCap
	if limit <= 0 {
		limit = DefaultBreakWaitCap
	}
	wait = min(wait, limit)
	run := r.moduleRun(st)
	for attempt := 1; attempt <= rec.Count; attempt++ {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		op := &Operation{}
		run.Operations = append(run.Operations, op)
		start := time.Now()
		outs, err := r.operation(ctx, st, op)
		op.Duration = time.Since(start)
		if err == nil {
			op.Outputs = outs
			failed.HandledBy = "Break (retried)"
			return outs, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		op.Err, op.HandledBy = AsError(err), "Break"
		rec.Error = op.Err
	}
	return nil, nil
}

// directive evaluates a directive module in an error route.
func (r *runner) directive(st *step) error {
	v, err := st.mapper.eval(r.env, "")
	if err != nil {
		return r.fail(st, &Error{Type: DataError, Message: err.Error(), Err: err})
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	run := r.moduleRun(st)
	run.Operations = append(run.Operations, &Operation{Input: Redact(m)})
	return &directiveSignal{name: st.directive, output: m}
}

func breakRecord(st *step, e *Error, settings map[string]any) *Incomplete {
	f := NewFields(settings)
	return &Incomplete{
		ModuleID: st.bp.ID,
		Error:    e,
		Retry:    f.Bool("retry", false),
		Count:    f.Int("count", 3, 1, 10000),
		Interval: time.Duration(f.Int("interval", 15, 1, 44640)) * time.Minute,
	}
}

func (r *runner) operation(ctx context.Context, st *step, op *Operation) ([]bundle.Bundle, error) {
	v, err := st.mapper.eval(r.env, "")
	if err != nil && !st.stubbed {
		return nil, &Error{Type: DataError, Message: err.Error(), Err: err}
	}
	input, _ := v.(map[string]any)
	if input == nil {
		input = map[string]any{}
	}
	op.Input = Redact(input)
	return st.module.Run(ctx, &Op{Input: input, Module: st.bp, Execution: r.x})
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
