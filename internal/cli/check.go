package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/modules/httpapp"
)

func newCheckCmd(s *streams) *cobra.Command {
	var stubs, conns []string
	var trigger string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Load and validate a blueprint; list supported and unsupported modules",
		Long: `Load and validate a scenario blueprint without running it. Every module is
listed as supported or not, with the reason; formulas are compiled and static
settings checked. A module of an app reqflow does not implement gets a
one-line hint: stub it (--stub ID=FILE.json), feed a trigger (--trigger
FILE.json), or replace it with Make a request to the vendor's API.

Exit status: 0 when the scenario can run, 1 when a module cannot run, 2 when
the file is not a blueprint.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := parseStubs(stubs)
			if err != nil {
				return err
			}
			bp, err := blueprint.Load(args[0])
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			ids, err := parseConnections(conns)
			if err != nil {
				return err
			}
			resolver, closeStore := connectionResolver(s, ids)
			defer closeStore()
			reg, err := newRegistry(httpclient.New(), httpapp.WithConnections(resolver))
			if err != nil {
				return err
			}
			if err := applyTrigger(reg, bp, st, trigger); err != nil {
				return err
			}
			checked, loadErr := engine.Check(reg, bp, engine.LoadOptions{Stubs: st})
			reports := withHints(reg, bp, checked)
			if asJSON {
				if err := writeJSON(s.stdout, map[string]any{"scenario": bp.Name, "ok": loadErr == nil, "modules": reports}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(s.stdout, "Scenario %q: %s\n", bp.Name, plural(len(reports), "module"))
				for _, r := range reports {
					state := "supported"
					switch {
					case r.Stubbed:
						state = "stubbed"
					case r.Module == "placeholder:Placeholder":
						state = "placeholder (skipped)"
					case !r.Supported:
						state = r.Problem + ": " + r.Reason
					}
					fmt.Fprintf(s.stdout, "  %-5s %-40s v%-2d %s\n", idText(r.ID), r.Module, r.Version, state)
					if r.Hint != "" {
						fmt.Fprintf(s.stdout, "        hint: %s\n", r.Hint)
					}
					for _, w := range r.Warnings {
						fmt.Fprintf(s.stdout, "        warning: %s\n", w)
					}
				}
			}
			if loadErr != nil {
				var names []string
				for _, r := range reports {
					if !r.Supported {
						names = append(names, fmt.Sprintf("module %s (%s)", idText(r.ID), r.Module))
					}
				}
				return &exitError{code: ExitFailed, err: fmt.Errorf("the scenario cannot run: %s", strings.Join(names, ", "))}
			}
			if !asJSON {
				fmt.Fprintln(s.stdout, "OK: the scenario can run")
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&stubs, "stub", nil, "treat module ID as stubbed by FILE (ID=FILE, repeatable)")
	cmd.Flags().StringArrayVar(&conns, "connection", nil, "map the blueprint's keychain or connection id ID to stored connection NAME, as run does (ID=NAME, repeatable)")
	cmd.Flags().StringVar(&trigger, "trigger", "", "treat the first module (a trigger such as a webhook) as fed by FILE.json")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func idText(id int) string {
	if id == 0 {
		return "-"
	}
	return fmt.Sprint(id)
}
