package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/examples"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/internal/testserver"
)

func newDemoCmd(s *streams) *cobra.Command {
	var dir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the bundled example scenarios against an embedded test server",
		Long: `Start an httpbin-style test server on 127.0.0.1 and run every example
scenario against it, printing each result. Needs no account and no network.

Each example reads the server's address as {{var.input.httpbin}}. An example
may declare the outcome it expects in its blueprint metadata
("metadata": {"reqflow": {"expect": "error"}}); the demo exits 1 if any
example ends otherwise.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			var fsys fs.FS = examples.FS
			if dir != "" {
				fsys = os.DirFS(dir)
			}
			return runDemo(ctx, s, fsys, asJSON)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "run the blueprints in this folder instead of the bundled examples")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON document with every example's execution report")
	return cmd
}

// demoResult is one example's outcome in `demo --json`.
type demoResult struct {
	File     string         `json:"file"`
	Expect   engine.Status  `json:"expect"`
	AsExpect bool           `json:"asExpected"`
	Report   *engine.Report `json:"report"`
}

func runDemo(ctx context.Context, s *streams, fsys fs.FS, asJSON bool) error {
	files, err := blueprintFiles(fsys)
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	if len(files) == 0 {
		return usageErr("no blueprints (*.json, *.yaml) found")
	}
	srv, err := testserver.Start(ctx, "")
	if err != nil {
		return fmt.Errorf("starting the test server: %w", err)
	}
	defer srv.Close()
	reg, err := newRegistry(httpclient.New())
	if err != nil {
		return err
	}
	if !asJSON {
		fmt.Fprintf(s.stdout, "Test server listening on %s\n\n", srv.URL)
	}
	var results []demoResult
	unexpected := 0
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		res := demoResult{File: name, Expect: engine.StatusSuccess}
		bp, err := blueprint.Decode(data)
		if err == nil {
			res.Expect = expectedStatus(bp)
			var sc *engine.Scenario
			if sc, err = engine.Load(reg, bp, engine.LoadOptions{}); err == nil {
				var x *engine.Execution
				x, err = sc.Run(ctx, engine.RunOptions{Inputs: map[string]any{"httpbin": srv.URL}})
				if x != nil {
					res.Report = x.Report()
					res.AsExpect = x.Status == res.Expect
					if !asJSON {
						fmt.Fprintf(s.stdout, "=== %s\n", name)
						printSummary(s.stdout, x)
					}
				}
			}
		}
		if err != nil {
			res.AsExpect = false
			if !asJSON {
				fmt.Fprintf(s.stdout, "=== %s\nreqflow: %v\n", name, err)
			}
		}
		if !res.AsExpect {
			unexpected++
		}
		if !asJSON {
			verdict := "as expected"
			if !res.AsExpect {
				verdict = "NOT AS EXPECTED"
			}
			fmt.Fprintf(s.stdout, "--> expected %s: %s\n\n", res.Expect, verdict)
		}
		results = append(results, res)
	}
	if asJSON {
		if err := writeJSON(s.stdout, map[string]any{"server": srv.URL, "examples": results}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(s.stdout, "%d examples: %d as expected, %d not\n", len(results), len(results)-unexpected, unexpected)
	}
	if unexpected > 0 {
		return &exitError{code: ExitFailed}
	}
	return nil
}

func blueprintFiles(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("listing examples: %w", err)
	}
	var out []string
	for _, e := range entries {
		switch strings.ToLower(path.Ext(e.Name())) {
		case ".json", ".yaml", ".yml":
			if !e.IsDir() {
				out = append(out, e.Name())
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// expectedStatus reads metadata.reqflow.expect; an example expects success
// unless it says otherwise.
func expectedStatus(bp *blueprint.Blueprint) engine.Status {
	if r, ok := bp.Metadata["reqflow"].(map[string]any); ok {
		if e, ok := r["expect"].(string); ok && e != "" {
			return engine.Status(e)
		}
	}
	return engine.StatusSuccess
}
