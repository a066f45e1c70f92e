// Package core implements the built-in Make modules that real scenarios use
// around the HTTP modules: the iterator (builtin:BasicFeeder), the array,
// text and numeric aggregators, the repeater, variables, sleep, switch, the
// JSON app (parse, create, transform) and the text parser app (replace,
// match pattern, HTML to text).
//
// Each module file declares an engine.Spec with the exact mapper and
// parameter keys Make writes in its blueprint exports; Register adds them
// all to a registry. Outputs follow the shapes Make shows in its module
// interface snapshots (metadata.interface of exported blueprints).
package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reqflow/reqflow/engine"
)

// SleepFunc waits for d or until ctx is done, returning ctx's error then.
// util:FunctionSleep calls it; tests inject one that does not wait.
type SleepFunc func(ctx context.Context, d time.Duration) error

// DefaultSleep waits on a timer, honouring cancellation.
func DefaultSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Option configures the core modules.
type Option func(*deps)

// deps is what the core modules need from outside.
type deps struct {
	sleep SleepFunc
}

// WithSleep replaces the function util:FunctionSleep waits with.
func WithSleep(fn SleepFunc) Option {
	return func(d *deps) {
		if fn != nil {
			d.sleep = fn
		}
	}
}

// Register adds the core modules to reg.
func Register(reg *engine.Registry, opts ...Option) error {
	d := &deps{sleep: DefaultSleep}
	for _, o := range opts {
		o(d)
	}
	specs := []*engine.Spec{
		feederSpec(),
		aggregatorSpec(),
		textAggregatorSpec(),
		functionAggregatorSpec(),
		repeaterSpec(),
		setVariableSpec(),
		setVariablesSpec(),
		getVariableSpec(),
		getVariablesSpec(),
		sleepSpec(d),
		switcherSpec(),
		parseJSONSpec(),
		createJSONSpec(),
		transformToJSONSpec(),
		replaceSpec(),
		parserSpec(),
		htmlToTextSpec(),
		htmlParserSpec(),
	}
	for _, s := range specs {
		if err := reg.Register(s); err != nil {
			return fmt.Errorf("registering core modules: %w", err)
		}
	}
	return nil
}

// dataError turns bad mapped values into the operation's DataError.
func dataError(err error) error {
	if err == nil {
		return nil
	}
	var e *engine.Error
	if errors.As(err, &e) {
		return e
	}
	return &engine.Error{Type: engine.DataError, Message: err.Error(), Err: err}
}

// paramError wraps a bad static setting for a module constructor.
func paramError(f *engine.Fields) error {
	if err := f.Err(); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	return nil
}

// static returns the mapper fields that hold no formula, so that their
// values can be checked when the blueprint loads.
func static(mapper map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range mapper {
		if s, ok := v.(string); ok && strings.Contains(s, "{{") {
			continue
		}
		out[k] = v
	}
	return out
}

// mapperError wraps a bad static mapper value for a module constructor.
func mapperError(f *engine.Fields) error {
	if err := f.Err(); err != nil {
		return fmt.Errorf("mapper: %w", err)
	}
	return nil
}
