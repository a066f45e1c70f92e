package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/modules/httpapp"
	"github.com/reqflow/reqflow/store"
)

// incompleteState is what an incomplete execution keeps to be resumed: the
// blueprint as it was, how the run was set up, and the bundles the failed
// module saw.
type incompleteState struct {
	Blueprint   string            `json:"blueprint"`
	Path        string            `json:"path"`
	Stubs       json.RawMessage   `json:"stubs"`
	Connections map[string]string `json:"connections"`
	Bundles     json.RawMessage   `json:"bundles"`
}

// saveIncomplete stores every operation a Break directive stopped and tells
// the user how to resume it. Failing to store is reported, not fatal.
func saveIncomplete(ctx context.Context, s *streams, path string, x *engine.Execution, stubs map[int][]bundle.Bundle, conns map[string]string) {
	if len(x.Incomplete) == 0 {
		return
	}
	src, err := os.ReadFile(path)
	if err == nil {
		err = withRawStore(ctx, s, func(st *store.Store) error {
			for i, inc := range x.Incomplete {
				stubMap := map[string]any{}
				for id, bs := range stubs {
					list := make([]any, len(bs))
					for j, b := range bs {
						list[j] = b
					}
					stubMap[strconv.Itoa(id)] = list
				}
				encStubs, err := bundle.Encode(stubMap)
				if err != nil {
					return err
				}
				encBundles, err := bundle.Encode(inc.Bundles)
				if err != nil {
					return err
				}
				state, err := json.Marshal(incompleteState{Blueprint: string(src), Path: path, Stubs: encStubs, Connections: conns, Bundles: encBundles})
				if err != nil {
					return err
				}
				rec := &store.Incomplete{
					ID: fmt.Sprintf("%s-%d", x.ID[:12], i+1), Scenario: x.Scenario, ModuleID: inc.ModuleID,
					ErrorType: string(inc.Error.Type), ErrorMsg: inc.Error.Message,
					Retry: inc.Retry, MaxTries: inc.Count, Interval: inc.Interval, State: state,
				}
				if err := st.SaveIncomplete(ctx, rec); err != nil {
					return err
				}
				fmt.Fprintf(s.stderr, "reqflow: stored incomplete execution %s (module %d); resume it with: reqflow executions resume %s\n", rec.ID, rec.ModuleID, rec.ID)
			}
			return nil
		})
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "reqflow: warning: could not store the incomplete execution: %v\n", err)
	}
}

// withRawStore opens the store, runs fn and closes it.
func withRawStore(ctx context.Context, s *streams, fn func(*store.Store) error) error {
	m, err := openStore(ctx, s)
	if err != nil {
		return err
	}
	defer m.Store().Close()
	return fn(m.Store())
}

func newExecutionsCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "executions",
		Short: "List and resume incomplete executions",
		Long: `An operation that fails in a module whose error route ends with a Break
directive is stored as an incomplete execution in the local store
($REQFLOW_HOME). List them, and resume one: the failed module runs again with
the bundles it had, followed by the rest of its flow.`,
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "incomplete",
		Short: "List incomplete executions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRawStore(cmd.Context(), s, func(st *store.Store) error {
				items, err := st.IncompleteExecutions(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					out := []map[string]any{}
					for _, in := range items {
						out = append(out, map[string]any{"id": in.ID, "scenario": in.Scenario, "module": in.ModuleID,
							"error": map[string]any{"type": in.ErrorType, "message": in.ErrorMsg}, "attempts": in.Attempts,
							"retry": in.Retry, "maxAttempts": in.MaxTries, "intervalSeconds": int64(in.Interval / time.Second),
							"createdAt": in.CreatedAt.UTC().Format(time.RFC3339)})
					}
					return writeJSON(s.stdout, out)
				}
				if len(items) == 0 {
					fmt.Fprintln(s.stdout, "No incomplete executions.")
					return nil
				}
				tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSCENARIO\tMODULE\tERROR\tATTEMPTS\tSTORED")
				for _, in := range items {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s: %s\t%d\t%s\n", in.ID, in.Scenario, in.ModuleID, in.ErrorType, in.ErrorMsg, in.Attempts, in.CreatedAt.UTC().Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print the list as JSON")
	var resumeJSON bool
	resume := &cobra.Command{
		Use:   "resume ID",
		Short: "Run an incomplete execution's failed module again, and the rest of its flow",
		Long: `Run the failed module of an incomplete execution again, with the bundles it
had, then the rest of its flow. The blueprint, stubs and connection mapping
are those stored with it, so resume takes no --input, --stub or --connection.
On success the incomplete execution is removed; when it fails again it stays,
with one more attempt counted (a manual resume is not limited by the Break
directive's count, which bounds automatic retries).

Exit status: 0 when the resumed run succeeded, 1 when it failed again, 2 when
there is no such incomplete execution.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			return resumeIncomplete(ctx, s, args[0], resumeJSON)
		},
	}
	resume.Flags().BoolVar(&resumeJSON, "json", false, "print one JSON document describing the resumed execution")
	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Discard an incomplete execution without running it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRawStore(cmd.Context(), s, func(st *store.Store) error {
				if err := st.DeleteIncomplete(cmd.Context(), args[0]); err != nil {
					if errors.Is(err, store.ErrNoIncomplete) {
						return &exitError{code: ExitUsage, err: err}
					}
					return err
				}
				fmt.Fprintf(s.stdout, "deleted incomplete execution %s\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(list, resume, del)
	return cmd
}

func resumeIncomplete(ctx context.Context, s *streams, id string, asJSON bool) error {
	return withRawStore(ctx, s, func(st *store.Store) error {
		rec, err := st.IncompleteExecution(ctx, id)
		if errors.Is(err, store.ErrNoIncomplete) {
			return &exitError{code: ExitUsage, err: err}
		}
		if err != nil {
			return err
		}
		var state incompleteState
		if err := json.Unmarshal(rec.State, &state); err != nil {
			return fmt.Errorf("reading incomplete execution %s: %w", id, err)
		}
		bp, err := blueprint.Decode([]byte(state.Blueprint))
		if err != nil {
			return fmt.Errorf("reading incomplete execution %s: %w", id, err)
		}
		stubs, err := decodeStubs(state.Stubs)
		if err != nil {
			return fmt.Errorf("reading incomplete execution %s: %w", id, err)
		}
		bundles, err := bundle.Decode(state.Bundles)
		if err != nil {
			return fmt.Errorf("reading incomplete execution %s: %w", id, err)
		}
		resolver, closeConns := connectionResolver(s, state.Connections)
		defer closeConns()
		client, err := clientFlags{}.client()
		if err != nil {
			return err
		}
		reg, err := newRegistry(client, httpapp.WithConnections(resolver))
		if err != nil {
			return err
		}
		sc, err := engine.Load(reg, bp, engine.LoadOptions{Stubs: stubs})
		if err != nil {
			return &exitError{code: ExitFailed, err: fmt.Errorf("resuming %s: %w", id, err)}
		}
		m, _ := bundles.(map[string]any)
		x, err := sc.Resume(ctx, &engine.Incomplete{ModuleID: rec.ModuleID, Bundles: m}, engine.RunOptions{})
		if err != nil {
			return &exitError{code: ExitFailed, err: err}
		}
		if asJSON {
			if err := writeJSON(s.stdout, x.Report()); err != nil {
				return err
			}
		} else {
			printSummary(s.stdout, x)
		}
		if x.Status == engine.StatusSuccess {
			if err := st.DeleteIncomplete(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(s.stderr, "reqflow: incomplete execution %s completed and removed\n", id)
			return nil
		}
		rec.Attempts++
		if x.Err != nil {
			rec.ErrorType, rec.ErrorMsg = string(x.Err.Type), x.Err.Message
		} else if len(x.Incomplete) > 0 {
			rec.ErrorType, rec.ErrorMsg = string(x.Incomplete[0].Error.Type), x.Incomplete[0].Error.Message
		}
		if err := st.SaveIncomplete(ctx, rec); err != nil {
			return err
		}
		return &exitError{code: ExitFailed, err: fmt.Errorf("incomplete execution %s failed again (attempt %d): %s: %s", id, rec.Attempts, rec.ErrorType, rec.ErrorMsg)}
	})
}

func decodeStubs(raw json.RawMessage) (map[int][]bundle.Bundle, error) {
	out := map[int][]bundle.Bundle{}
	if len(raw) == 0 {
		return out, nil
	}
	v, err := bundle.Decode(raw)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	for k, e := range m {
		id, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("stub id %q: %w", k, err)
		}
		list, _ := e.([]any)
		for _, b := range list {
			if bm, ok := b.(map[string]any); ok {
				out[id] = append(out[id], bm)
			}
		}
	}
	return out, nil
}
