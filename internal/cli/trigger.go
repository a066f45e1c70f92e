package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/modules/core"
)

// firstModule is the module that starts the flow: the first one that is
// not an empty placeholder slot.
func firstModule(bp *blueprint.Blueprint) *blueprint.Module {
	for _, m := range bp.Flow {
		if m.Module != "placeholder:Placeholder" {
			return m
		}
	}
	return nil
}

// applyTrigger reads the --trigger file and makes its bundle(s) the output
// of the blueprint's first module, which must be a trigger reqflow cannot
// run itself (a webhook, a mailhook, a vendor's "watch" module).
func applyTrigger(reg *engine.Registry, bp *blueprint.Blueprint, stubs map[int][]bundle.Bundle, file string) error {
	if file == "" {
		return nil
	}
	first := firstModule(bp)
	if first == nil || first.ID == 0 {
		return usageErr("--trigger: the blueprint has no first module with an id to take the trigger's bundles")
	}
	if _, err := reg.Lookup(first.Module, 0); err == nil {
		return usageErr("--trigger: %s is not a trigger: reqflow runs it itself (use --stub %d=FILE to replace its output)", first.Name(), first.ID)
	}
	if _, dup := stubs[first.ID]; dup {
		return usageErr("--trigger: %s is also given with --stub; use one of them", first.Name())
	}
	bundles, err := readStub(file)
	if err != nil {
		return usageErr("--trigger: %w", err)
	}
	stubs[first.ID] = bundles
	return nil
}

// builtinApps are Make's own apps (no vendor API behind them).
var builtinApps = map[string]bool{
	"builtin": true, "util": true, "json": true, "regexp": true, "markdown": true, "xml": true,
	"csv": true, "archive": true, "image": true, "datastore": true, "gateway": true,
}

// moduleHint is a one-line suggestion for a module type reqflow does not
// implement; first says whether it starts the flow.
func moduleHint(module string, first bool) string {
	app, name, _ := strings.Cut(module, ":")
	lower := strings.ToLower(name)
	switch {
	case first && (app == "gateway" || strings.Contains(lower, "watch") || strings.Contains(lower, "trigger") || strings.Contains(lower, "hook")):
		return "a trigger: give the bundle(s) it would receive with --trigger FILE.json"
	case module == "gateway:WebhookRespond":
		return "answers the webhook's caller, which a one-off run does not have: stub it"
	case builtinApps[app]:
		return "a Make built-in reqflow does not implement yet: stub it, or do its work with IML functions in the next module's mapper"
	}
	return fmt.Sprintf("replace it with Make a request (http:ActionSendData) to the %s API, or stub it", app)
}

// checkedModule is one module in `reqflow check --json`: the engine's
// report and, for a module type reqflow does not implement, a hint.
type checkedModule struct {
	engine.ModuleReport
	Hint string `json:"hint,omitempty"`
}

// withHints adds a hint to every module whose type reqflow does not know.
func withHints(reg *engine.Registry, bp *blueprint.Blueprint, reports []engine.ModuleReport) []checkedModule {
	first := firstModule(bp)
	out := make([]checkedModule, len(reports))
	for i, r := range reports {
		out[i].ModuleReport = r
		if r.Supported || r.Stubbed || r.Module == "placeholder:Placeholder" {
			continue
		}
		if _, err := reg.Lookup(r.Module, 0); err == nil {
			continue
		}
		out[i].Hint = moduleHint(r.Module, first != nil && first.Path == r.Path)
	}
	return out
}

// cappedSleep is how util:FunctionSleep waits in a CLI run: as asked, but
// never longer than max (--max-sleep), so a scenario can be tried without
// its pauses.
func cappedSleep(max time.Duration) core.SleepFunc {
	return func(ctx context.Context, d time.Duration) error {
		return core.DefaultSleep(ctx, min(d, max))
	}
}
