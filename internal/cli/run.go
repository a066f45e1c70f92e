package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/modules/core"
	"github.com/reqflow/reqflow/modules/httpapp"
)

// newRegistry returns a registry with every module reqflow implements.
func newRegistry(client *httpclient.Client, opts ...httpapp.Option) (*engine.Registry, error) {
	return newRegistryWith(client, opts, nil)
}

// newRegistryWith is newRegistry with options for the core modules too.
func newRegistryWith(client *httpclient.Client, opts []httpapp.Option, coreOpts []core.Option) (*engine.Registry, error) {
	reg := engine.NewRegistry()
	if err := httpapp.Register(reg, client, opts...); err != nil {
		return nil, err
	}
	if err := core.Register(reg, coreOpts...); err != nil {
		return nil, err
	}
	return reg, nil
}

type runFlags struct {
	clientFlags
	inputs  []string
	stubs   []string
	trigger string
	json    bool
	conns   []string

	maxSleep time.Duration

	breakRetryNow bool
	breakWaitCap  time.Duration

	saveFiles string // see files.go
}

func newRunCmd(s *streams) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a scenario blueprint",
		Long: `Run a scenario blueprint (Make's JSON export, or the same structure in YAML)
once and print what every module produced.

Exit status: 0 when the execution succeeded, 1 when it failed, 2 on bad usage
or a blueprint that cannot load.

With --json, exactly one JSON document is printed on stdout (also when the
blueprint cannot run: then "status" is "error", "modules" is empty and
"problems" lists each module that cannot run):
  {"scenario", "status": "success|warning|error",
   "error": null | {"module", "type", "message"},
   "modules": [{"id", "module", "operations": [{"input", "outputs": [bundle…], "error"}]}]}
Binary values print as {"$binary": {"size": N, "sha256": HEX}}.

Files the modules produce (Get a File downloads) live in a temporary folder
and are removed when the run ends; --save-files DIR keeps a copy of each.
On a terminal, downloads that take a while show a progress bar on stderr
(never with --json, or when stdout or stderr is not a terminal).`,
		Example: `  reqflow run scenario.json
  reqflow run scenario.json --input baseURL=http://127.0.0.1:8080 --json
  reqflow run scenario.json --stub 13=telegram-reply.json
  reqflow run download.json --save-files ./downloads
  reqflow run webhook-scenario.json --trigger webhook-payload.json
  reqflow run prod.json --connect-to api.example.com:443:127.0.0.1:8443 --ca-file staging-ca.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			return runFile(ctx, s, args[0], f)
		},
	}
	cmd.Flags().StringArrayVar(&f.inputs, "input", nil, "set {{var.input.NAME}} to VALUE (NAME=VALUE, repeatable)")
	cmd.Flags().StringArrayVar(&f.stubs, "stub", nil, "give module ID a fixed output read from a JSON file: a bundle, or an array of bundles (ID=FILE, repeatable)")
	cmd.Flags().StringVar(&f.trigger, "trigger", "", "give the first module, a trigger such as a webhook, its bundle(s) from a JSON file: a bundle, or an array of bundles")
	cmd.Flags().BoolVar(&f.json, "json", false, "print one JSON document describing the execution on stdout")
	cmd.Flags().StringArrayVar(&f.conns, "connection", nil, "use stored connection NAME for the blueprint's keychain or connection id ID (ID=NAME, repeatable; see reqflow connections)")
	cmd.Flags().BoolVar(&f.breakRetryNow, "break-retry-now", false, "retry an operation stopped by a Break directive with retry on, in this run, up to its count")
	cmd.Flags().DurationVar(&f.maxSleep, "max-sleep", core.MaxSleepSeconds*time.Second, "the longest wait of a Sleep module (util:FunctionSleep); 0 skips the waits when trying a scenario")
	cmd.Flags().DurationVar(&f.breakWaitCap, "break-wait-cap", engine.DefaultBreakWaitCap, "the longest wait between --break-retry-now attempts (Break's interval is in minutes)")
	cmd.Flags().StringArrayVar(&f.connectTo, "connect-to", nil, "connect to TARGET_HOST:TARGET_PORT for requests to HOST:PORT; URL, Host header and TLS name stay (HOST:PORT:TARGET_HOST:TARGET_PORT, repeatable)")
	cmd.Flags().StringVar(&f.caFile, "ca-file", "", "trust the PEM certificates in FILE for every request, besides the system roots")
	cmd.Flags().StringVar(&f.saveFiles, "save-files", "", "write every file the execution produced (e.g. Get a File downloads) into folder DIR")
	return cmd
}

func runFile(ctx context.Context, s *streams, path string, f runFlags) error {
	inputs, err := parseInputs(f.inputs)
	if err != nil {
		return err
	}
	stubs, err := parseStubs(f.stubs)
	if err != nil {
		return err
	}
	bp, err := blueprint.Load(path)
	if err != nil {
		if f.json {
			_ = writeLoadFailure(s.stdout, nil, err)
		}
		return &exitError{code: ExitUsage, err: err}
	}
	client, err := f.client()
	if err != nil {
		return err
	}
	ids, err := parseConnections(f.conns)
	if err != nil {
		return err
	}
	resolver, closeStore := connectionResolver(s, ids)
	defer closeStore()
	if f.maxSleep < 0 {
		return usageErr("--max-sleep %s: expected a duration of 0 or more", f.maxSleep)
	}
	reg, err := newRegistryWith(client,
		[]httpapp.Option{httpapp.WithConnections(resolver), httpapp.WithProgress(downloadProgress(s, f.json))},
		[]core.Option{core.WithSleep(cappedSleep(f.maxSleep))})
	if err != nil {
		return err
	}
	if err := applyTrigger(reg, bp, stubs, f.trigger); err != nil {
		return err
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{Stubs: stubs})
	if err != nil {
		if f.json {
			_ = writeLoadFailure(s.stdout, bp, err)
		}
		return &exitError{code: ExitUsage, err: err}
	}
	for _, w := range sc.Warnings {
		fmt.Fprintf(s.stderr, "reqflow: warning: %s\n", w)
	}
	warnMissingInputs(s.stderr, bp, inputs)
	x, err := sc.Run(ctx, engine.RunOptions{Inputs: inputs, BreakRetryNow: f.breakRetryNow, BreakWaitCap: f.breakWaitCap, KeepFiles: f.saveFiles != ""})
	if err != nil {
		if x != nil && f.saveFiles != "" {
			_ = x.Files().Remove()
		}
		return &exitError{code: ExitFailed, err: err}
	}
	saveIncomplete(ctx, s, path, x, stubs, ids)
	if f.json {
		if err := writeJSON(s.stdout, x.Report()); err != nil {
			return err
		}
	} else {
		printSummary(s.stdout, x)
	}
	if f.saveFiles != "" {
		if err := saveFiles(s, x, f.saveFiles); err != nil {
			return err
		}
	}
	if x.Status == engine.StatusError {
		return &exitError{code: ExitFailed}
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func parseInputs(list []string) (map[string]any, error) {
	out := map[string]any{}
	for _, kv := range list {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usageErr("--input %q: expected NAME=VALUE", kv)
		}
		out[name] = value
	}
	return out, nil
}

func parseStubs(list []string) (map[int][]bundle.Bundle, error) {
	out := map[int][]bundle.Bundle{}
	for _, kv := range list {
		idText, file, ok := strings.Cut(kv, "=")
		id, err := strconv.Atoi(strings.TrimSpace(idText))
		if !ok || err != nil || id <= 0 {
			return nil, usageErr("--stub %q: expected ID=FILE with a module id", kv)
		}
		bundles, err := readStub(file)
		if err != nil {
			return nil, usageErr("--stub %d: %w", id, err)
		}
		out[id] = bundles
	}
	return out, nil
}

// readStub reads a stub file: one bundle (a JSON object) or several (an
// array of objects).
func readStub(path string) ([]bundle.Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading stub: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("reading stub %s: %w", path, err)
	}
	switch x := v.(type) {
	case map[string]any:
		return []bundle.Bundle{x}, nil
	case []any:
		out := make([]bundle.Bundle, 0, len(x))
		for i, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("reading stub %s: item %d is not a JSON object", path, i+1)
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, fmt.Errorf("reading stub %s: expected a JSON object or an array of objects", path)
}

// printSummary writes a readable account of an execution.
func printSummary(w io.Writer, x *engine.Execution) {
	name := x.Scenario
	if name == "" {
		name = "(unnamed scenario)"
	}
	fmt.Fprintf(w, "Scenario %q: %s in %s\n", name, x.Status, x.Finished.Sub(x.Started).Round(100*time.Microsecond))
	for _, m := range x.Modules {
		title := m.Module
		if m.Label != "" {
			title = m.Label + " (" + m.Module + ")"
		}
		if m.Stubbed {
			title += " [stubbed]"
		}
		fmt.Fprintf(w, "  [%d] %s — %s\n", m.ID, title, plural(len(m.Operations), "operation"))
		for i, op := range m.Operations {
			if op.Err != nil {
				handled := ""
				if op.HandledBy != "" {
					handled = " (handled by " + op.HandledBy + ")"
				}
				fmt.Fprintf(w, "      operation %d: %s: %s%s\n", i+1, op.Err.Type, op.Err.Message, handled)
				if len(op.Outputs) == 0 {
					continue
				}
			}
			fmt.Fprintf(w, "      operation %d: %s in %s\n", i+1, plural(len(op.Outputs), "bundle"), op.Duration.Round(100*time.Microsecond))
			for _, b := range op.Outputs {
				printBundle(w, b, "        ")
			}
		}
	}
	for _, inc := range x.Incomplete {
		fmt.Fprintf(w, "Incomplete: module %d stopped by Break (%s: %s)\n", inc.ModuleID, inc.Error.Type, inc.Error.Message)
	}
	if x.Err != nil {
		fmt.Fprintf(w, "Error in module %d (%s): %s: %s\n", x.Err.ModuleID, x.Err.Module, x.Err.Type, x.Err.Message)
	}
}

// maxShown bounds how much of one value the summary prints.
const maxShown = 240

func printBundle(w io.Writer, b bundle.Bundle, indent string) {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s%s: %s\n", indent, k, shortJSON(b[k]))
	}
}

func shortJSON(v any) string {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bundle.ToJSON(v)); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSuffix(buf.String(), "\n")
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
