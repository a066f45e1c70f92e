package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/iml"
)

func newEvalCmd(s *streams) *cobra.Command {
	var inputs, bundles []string
	var asJSON, lines bool
	cmd := &cobra.Command{
		Use:   "eval [TEMPLATE]",
		Short: "Evaluate a mapper string (IML formula) as a module field would",
		Long: `Evaluate a mapper string exactly as a module field would: literal text with
any number of {{…}} formulas. A string that is exactly one {{…}} keeps its
type (array, collection, number…).

With --json the typed value is printed as JSON (dates as ISO-8601 text,
binary data as {"$binary": …}). With --lines, templates are read from stdin,
one per line, and one JSON value is printed per line; a line that fails prints
{"error": {"message", "position"}}.`,
		Example: `  reqflow eval '{{substring("Hello"; 1; 3)}}'          # el
  reqflow eval --json '{{split("a,b,c"; ",")}}'         # ["a","b","c"]
  reqflow eval --input name=Ada 'Hi {{var.input.name}}'
  reqflow eval --bundle 1=response.json '{{1.data.items[1].id}}'
  printf '%s\n' '{{1 + 2}}' '{{upper("x")}}' | reqflow eval --lines`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			scope, err := evalScope(inputs, bundles)
			if err != nil {
				return err
			}
			env := &iml.Env{Scope: scope}
			if lines {
				if len(args) > 0 {
					return usageErr("--lines reads templates from stdin; give no TEMPLATE argument")
				}
				return evalLines(s, env)
			}
			if len(args) == 0 {
				return usageErr("give a TEMPLATE, or --lines to read templates from stdin")
			}
			v, err := evalOne(args[0], env)
			if err != nil {
				return &exitError{code: ExitFailed, err: err}
			}
			if asJSON {
				return writeCompactJSON(s, bundle.ToJSON(v))
			}
			fmt.Fprintln(s.stdout, iml.ToText(v))
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&inputs, "input", nil, "set {{var.input.NAME}} to VALUE (NAME=VALUE, repeatable)")
	cmd.Flags().StringArrayVar(&bundles, "bundle", nil, "make module N's output the JSON in FILE, for {{N.…}} (N=FILE, repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the typed value as JSON")
	cmd.Flags().BoolVar(&lines, "lines", false, "read one template per line from stdin; print one JSON value per line")
	return cmd
}

func evalScope(inputs, bundles []string) (iml.MapScope, error) {
	in, err := parseInputs(inputs)
	if err != nil {
		return nil, err
	}
	scope := iml.MapScope{"var": map[string]any{"input": in}}
	for _, kv := range bundles {
		idText, file, ok := strings.Cut(kv, "=")
		if _, err := strconv.Atoi(idText); !ok || err != nil {
			return nil, usageErr("--bundle %q: expected N=FILE with a module id", kv)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, usageErr("--bundle %s: %w", idText, err)
		}
		dec := json.NewDecoder(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, usageErr("--bundle %s: %s: %w", idText, file, err)
		}
		scope[idText] = v
	}
	return scope, nil
}

func evalOne(src string, env *iml.Env) (any, error) {
	t, err := iml.Compile(src)
	if err != nil {
		return nil, err
	}
	return t.Eval(env)
}

func evalLines(s *streams, env *iml.Env) error {
	sc := bufio.NewScanner(s.stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	failed := false
	for sc.Scan() {
		v, err := evalOne(sc.Text(), env)
		if err != nil {
			failed = true
			e := map[string]any{"message": err.Error(), "position": nil}
			var ie *iml.Error
			if errors.As(err, &ie) {
				e["position"] = map[string]int{"line": ie.Line, "col": ie.Col}
			}
			if err := writeCompactJSON(s, map[string]any{"error": e}); err != nil {
				return err
			}
			continue
		}
		if err := writeCompactJSON(s, bundle.ToJSON(v)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading templates: %w", err)
	}
	if failed {
		return &exitError{code: ExitFailed}
	}
	return nil
}

func writeCompactJSON(s *streams, v any) error {
	enc := json.NewEncoder(s.stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
