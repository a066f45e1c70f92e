// Package engine runs scenarios: it loads a blueprint against a registry of
// module types, then runs executions — operations over bundles, depth first,
// each later module running once per bundle it receives.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
)

// Scenario is a blueprint prepared to run: every module resolved to its
// implementation and every formula compiled.
type Scenario struct {
	// Name is the scenario name from the blueprint.
	Name string
	flow []*step
	// aggregates is set when some module aggregates a feeder's bundles.
	aggregates bool
	// locations finds each module's flow and index, for Resume.
	locations map[string]stepLoc
	// Warnings are the load warnings of every module, each naming it.
	Warnings []string
}

// stepLoc is where a module stands: its flow and its index there.
type stepLoc struct {
	flow  []*step
	index int
}

type step struct {
	bp      *blueprint.Module
	id      string
	module  Module
	mapper  *mapper
	stubbed bool
	filter  *filter
	// routes are a router's branches, run in order for every bundle.
	routes [][]*step
	// onerror is the error-handler route attached to the module.
	onerror []*step
	// directive is set for builtin:Ignore, Resume, Commit, Rollback, Break.
	directive string
	// aggregator is set for modules that aggregate their feeder's bundles;
	// feeder is the source module's id.
	aggregator Aggregator
	feeder     string
	// aggregators lists the aggregators whose feeder is this module.
	aggregators []*aggPos
	// branches are an If-Else module's branches.
	branches []*branchStep
	// mergeOutputs are a Merge module's outputs.
	mergeOutputs []mergeOutput
}

// branchStep is one compiled If-Else branch.
type branchStep struct {
	filter *filter // nil for the else branch
	merge  bool
	flow   []*step
}

// mergeOutput is one output of a Merge module: its name and one mapping per
// If-Else branch.
type mergeOutput struct {
	name     string
	mappings []*mapper
}

// aggPos locates an aggregator: the flow it stands in and its index there.
type aggPos struct {
	flow  []*step
	index int
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
	// Problem says why a module cannot run: "unsupported" (reqflow does
	// not implement the module type) or "invalid" (its settings or
	// formulas are wrong).
	Problem string `json:"problem,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Warnings are problems that do not stop the module from running, such
	// as a mapping of a module the blueprint does not have.
	Warnings []string `json:"warnings,omitempty"`
}

// errUnsupported marks errors about module types reqflow does not implement.
type errUnsupported struct{ error }

func (e errUnsupported) Unwrap() error { return e.error }

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
	index := map[*blueprint.Module]int{}
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
		index[m] = len(reports)
		reports = append(reports, r)
	})
	steps := map[string]*step{}
	var build func(flow []*blueprint.Module) []*step
	build = func(flow []*blueprint.Module) []*step {
		var out []*step
		for _, m := range flow {
			r := &reports[index[m]]
			st, err := prepare(reg, m, opts)
			if err != nil && r.Supported {
				r.Supported, r.Reason, r.Problem = false, err.Error(), "invalid"
				var u errUnsupported
				if errors.As(err, &u) {
					r.Problem = "unsupported"
				}
			}
			if st != nil {
				r.Stubbed = st.stubbed
				steps[st.id] = st
				for _, rt := range m.Routes {
					st.routes = append(st.routes, build(rt.Flow))
				}
				for bi, b := range m.Branches {
					f, err := compileFilter(b.Conditions)
					if err != nil && r.Supported {
						r.Supported, r.Reason = false, fmt.Sprintf("branch %d: %v", bi+1, err)
					}
					if b.Disabled {
						build(b.Flow)
						continue
					}
					if b.Else {
						f = nil
					}
					st.branches = append(st.branches, &branchStep{filter: f, merge: b.Merge, flow: build(b.Flow)})
				}
				st.onerror = build(m.OnError)
				out = append(out, st)
			} else {
				for _, rt := range m.Routes {
					build(rt.Flow)
				}
				for _, b := range m.Branches {
					build(b.Flow)
				}
				build(m.OnError)
			}
		}
		return out
	}
	sc.flow = build(bp.Flow)
	sc.locations = map[string]stepLoc{}
	var locate func(flow []*step)
	locate = func(flow []*step) {
		for i, st := range flow {
			sc.locations[st.id] = stepLoc{flow: flow, index: i}
			for _, rt := range st.routes {
				locate(rt)
			}
			for _, b := range st.branches {
				locate(b.flow)
			}
			locate(st.onerror)
		}
	}
	locate(sc.flow)
	// Link aggregators to their feeders: the feeder must run before the
	// aggregator on the same path.
	var link func(flow []*step, before map[string]bool)
	link = func(flow []*step, before map[string]bool) {
		path := map[string]bool{}
		for k := range before {
			path[k] = true
		}
		for i, st := range flow {
			if st.aggregator != nil {
				r := &reports[index[st.bp]]
				if feeder, ok := steps[st.feeder]; ok && path[st.feeder] {
					feeder.aggregators = append(feeder.aggregators, &aggPos{flow: flow, index: i})
					sc.aggregates = true
				} else if r.Supported {
					r.Supported, r.Reason = false, fmt.Sprintf("parameters: field %q: module %s does not run before this aggregator", "feeder", st.feeder)
				}
			}
			path[st.id] = true
			for _, rt := range st.routes {
				link(rt, path)
			}
			for _, b := range st.branches {
				link(b.flow, path)
			}
			link(st.onerror, path)
		}
	}
	link(sc.flow, nil)
	for id := range opts.Stubs {
		if _, ok := seen[id]; !ok {
			return nil, reports, fmt.Errorf("stub for module %d: the blueprint has no module with that id", id)
		}
	}
	for m, i := range index {
		st := steps[strconv.Itoa(m.ID)]
		if m.ID == 0 || st == nil || st.bp != m {
			continue
		}
		r := &reports[i]
		missing := map[string]bool{}
		check := func(root string) {
			if n, err := strconv.Atoi(root); err == nil && n > 0 {
				if _, ok := seen[n]; !ok && !missing[root] {
					missing[root] = true
					r.Warnings = append(r.Warnings, fmt.Sprintf("a formula maps module %s, which the blueprint does not have (it reads as empty)", root))
				}
			}
		}
		st.mapper.roots(check)
		if st.filter != nil {
			for _, g := range st.filter.groups {
				for _, c := range g {
					c.a.roots(check)
					c.b.roots(check)
				}
			}
		}
		sort.Strings(r.Warnings)
	}
	for _, r := range reports {
		for _, w := range r.Warnings {
			sc.Warnings = append(sc.Warnings, ModuleProblem{ID: r.ID, Module: r.Module, Path: r.Path, Reason: w}.String())
		}
	}
	var problems []ModuleProblem
	for i := range reports {
		r := &reports[i]
		if !r.Supported && r.Problem == "" {
			r.Problem = "invalid"
		}
		if !r.Supported {
			problems = append(problems, ModuleProblem{ID: r.ID, Module: r.Module, Path: r.Path, Reason: r.Reason})
		}
	}
	if len(problems) > 0 {
		return nil, reports, &UnsupportedError{Problems: problems}
	}
	return sc, reports, nil
}

// Directives are the error-handler modules the engine itself carries out.
var directives = map[string]string{
	"builtin:Ignore":   "Ignore",
	"builtin:Resume":   "Resume",
	"builtin:Commit":   "Commit",
	"builtin:Rollback": "Rollback",
	"builtin:Break":    "Break",
}

// BuiltinModules lists the module types the engine carries out itself
// (flow control and error-handler directives), with Make's names for them.
func BuiltinModules() [][2]string {
	return [][2]string{
		{router, "Router"}, {ifElse, "If-else"}, {mergeModule, "Merge"},
		{"builtin:Ignore", "Ignore (error directive)"}, {"builtin:Resume", "Resume (error directive)"},
		{"builtin:Commit", "Commit (error directive)"}, {"builtin:Rollback", "Rollback (error directive)"},
		{"builtin:Break", "Break (error directive)"}, {placeholder, "Empty trigger slot (skipped)"},
	}
}

// Flow-control modules the engine itself carries out.
const (
	router      = "builtin:BasicRouter"
	ifElse      = "builtin:BasicIfElse"
	mergeModule = "builtin:BasicMerge"
)

// prepare resolves one module. It returns nil, nil for a placeholder.
func prepare(reg *Registry, m *blueprint.Module, opts LoadOptions) (*step, error) {
	if m.Module == placeholder {
		return nil, nil
	}
	if m.ID == 0 {
		return nil, errors.New("the module has no id")
	}
	st := &step{bp: m, id: strconv.Itoa(m.ID), mapper: &mapper{m: map[string]*mapper{}}}
	f, err := compileFilter(m.Filter)
	if err != nil {
		return st, err
	}
	st.filter = f
	if out, ok := opts.Stubs[m.ID]; ok {
		st.stubbed = true
		st.module = ModuleFunc(func(context.Context, *Op) ([]bundle.Bundle, error) { return cloneBundles(out), nil })
		// The mapper is evaluated only to show what the module would have
		// received; a formula reqflow cannot compile does not stop a stub.
		if mp, err := compileMapper(m.Mapper, ""); err == nil {
			st.mapper = mp
		}
		return st, nil
	}
	if d, ok := directives[m.Module]; ok {
		st.directive = d
		mp, err := compileMapper(m.Mapper, "")
		if err != nil {
			return st, err
		}
		st.mapper = mp
		return st, nil
	}
	switch m.Module {
	case router:
		if len(m.Routes) == 0 {
			return st, errors.New(`a router needs its routes ("routes": [{"flow": [...]}]); none were found`)
		}
		return st, nil
	case ifElse:
		if len(m.Branches) == 0 {
			return st, errors.New(`an If-else module needs its branches ("branches": [...]); none were found`)
		}
		return st, nil
	case mergeModule:
		outs, err := compileMergeOutputs(m.Extra["outputs"])
		st.mergeOutputs = outs
		return st, err
	}
	spec, err := reg.Lookup(m.Module, m.Version)
	if err != nil {
		return st, errUnsupported{fmt.Errorf("%w; stub it with --stub %d=FILE.json", err, m.ID)}
	}
	mod, err := spec.New(m)
	if err != nil {
		return st, err
	}
	mp, err := compileMapper(m.Mapper, "")
	if err != nil {
		return st, err
	}
	st.module, st.mapper = mod, mp
	if agg, ok := mod.(Aggregator); ok {
		st.aggregator = agg
		fid, err := feederID(m.Parameters["feeder"])
		if err != nil {
			return st, err
		}
		st.feeder = fid
	}
	return st, nil
}

// compileMergeOutputs reads a Merge module's outputs:
// [{"name": N, "mappings": [IML per branch]}].
func compileMergeOutputs(v any) ([]mergeOutput, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf(`"outputs": expected a list, got %s`, describe(v))
	}
	var out []mergeOutput
	for i, item := range list {
		o, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf(`"outputs"[%d]: expected a collection, got %s`, i+1, describe(item))
		}
		name, _ := o["name"].(string)
		if name == "" {
			return nil, fmt.Errorf(`"outputs"[%d]: the output needs a name`, i+1)
		}
		mo := mergeOutput{name: name}
		maps, _ := o["mappings"].([]any)
		for j, mv := range maps {
			if mv == nil {
				mo.mappings = append(mo.mappings, nil)
				continue
			}
			c, err := compileMapper(mv, fmt.Sprintf("outputs[%d].mappings[%d]", i+1, j+1))
			if err != nil {
				return nil, err
			}
			mo.mappings = append(mo.mappings, c)
		}
		out = append(out, mo)
	}
	return out, nil
}

func feederID(v any) (string, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return strconv.Itoa(n), nil
	}
	return "", fmt.Errorf("parameters: field %q: expected the id of the source module, got %s", "feeder", describe(v))
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
