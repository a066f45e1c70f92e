package core

import (
	"context"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

// Bounds of util:FunctionSleep's delay, in seconds.
const (
	MinSleepSeconds = 1
	MaxSleepSeconds = 300
)

func sleepSpec(d *deps) *engine.Spec {
	return &engine.Spec{
		ID:          "util:FunctionSleep",
		Versions:    []int{1},
		Label:       "Sleep",
		Description: "Waits for the delay, then passes one empty bundle on. Cancelling the run ends the wait.",
		Mapper: []engine.Field{{Name: "duration", Label: "Delay", Type: engine.Integer, Required: true,
			Description: "Seconds, 1–300."}},
		New: func(m *blueprint.Module) (engine.Module, error) {
			f := engine.NewFields(static(m.Mapper))
			f.Int("duration", MinSleepSeconds, MinSleepSeconds, MaxSleepSeconds)
			if err := mapperError(f); err != nil {
				return nil, err
			}
			return sleep{fn: d.sleep}, nil
		},
	}
}

// sleep is Make's Sleep (util:FunctionSleep).
type sleep struct{ fn SleepFunc }

// Run waits for the delay.
func (s sleep) Run(ctx context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	if !f.Has("duration") {
		f.Fail("duration", "required: the delay in seconds (1–300)")
	}
	secs := f.Int("duration", MinSleepSeconds, MinSleepSeconds, MaxSleepSeconds)
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	if err := s.fn(ctx, time.Duration(secs)*time.Second); err != nil {
		return nil, err
	}
	return []bundle.Bundle{{}}, nil
}

var _ engine.Module = sleep{}
