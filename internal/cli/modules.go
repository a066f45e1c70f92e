package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

func newModulesCmd(s *streams) *cobra.Command {
	var asJSON, markdown bool
	cmd := &cobra.Command{
		Use:   "modules [MODULE]",
		Short: "List the module types reqflow runs, or describe one",
		Long: `List every module type reqflow implements, or describe one module's fields:
its parameters (static settings) and mapper (mappable inputs), with types,
defaults and descriptions. The text comes from the modules' own specs, so it
is always the code's truth. --markdown prints the reference in docs/modules.md.`,
		Example: `  reqflow modules
  reqflow modules http:ActionSendData
  reqflow modules --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg, err := newRegistry(httpclient.New())
			if err != nil {
				return err
			}
			specs := reg.Specs()
			if len(args) == 1 {
				var found *engine.Spec
				for _, sp := range specs {
					if strings.EqualFold(sp.ID, args[0]) {
						found = sp
					}
				}
				if found == nil {
					for _, b := range engine.BuiltinModules() {
						if strings.EqualFold(b[0], args[0]) {
							if asJSON {
								return writeJSON(s.stdout, map[string]any{"id": b[0], "label": b[1], "builtin": true})
							}
							fmt.Fprintf(s.stdout, "%s: %s\nCarried out by the engine itself; see the README's \"Flow control\" section.\n", b[0], b[1])
							return nil
						}
					}
					return usageErr("no module type %q (see reqflow modules)", args[0])
				}
				specs = []*engine.Spec{found}
			}
			switch {
			case asJSON:
				return writeJSON(s.stdout, specs)
			case markdown:
				return writeModulesMarkdown(s.stdout, specs)
			case len(args) == 1:
				describeModule(s.stdout, specs[0])
				return nil
			}
			tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MODULE\tVERSIONS\tNAME")
			for _, sp := range specs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", sp.ID, versions(sp), sp.Label)
			}
			for _, b := range engine.BuiltinModules() {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", b[0], "any", b[1])
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the specs as JSON")
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print the reference as Markdown")
	return cmd
}

func versions(sp *engine.Spec) string {
	if len(sp.Versions) == 0 {
		return "any"
	}
	v := make([]string, len(sp.Versions))
	for i, n := range sp.Versions {
		v[i] = fmt.Sprint(n)
	}
	return strings.Join(v, ", ")
}

func describeModule(w io.Writer, sp *engine.Spec) {
	fmt.Fprintf(w, "%s (version %s): %s\n", sp.ID, versions(sp), sp.Label)
	if sp.Description != "" {
		fmt.Fprintf(w, "%s\n", sp.Description)
	}
	for _, group := range []struct {
		name   string
		fields []engine.Field
	}{{"parameters", sp.Parameters}, {"mapper", sp.Mapper}} {
		if len(group.fields) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", group.name)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		writeFields(tw, group.fields, "  ")
		_ = tw.Flush()
	}
}

func writeFields(w io.Writer, fields []engine.Field, indent string) {
	for _, f := range fields {
		fmt.Fprintf(w, "%s%s\t%s\t%s\n", indent, f.Name, fieldType(f), fieldNote(f))
		if len(f.Fields) > 0 {
			writeFields(w, f.Fields, indent+"  ")
		}
	}
}

func fieldType(f engine.Field) string {
	t := string(f.Type)
	if len(f.Options) > 0 {
		opts := make([]string, len(f.Options))
		for i, o := range f.Options {
			if o == "" {
				o = `""`
			}
			opts[i] = o
		}
		t += " (" + strings.Join(opts, " | ") + ")"
	}
	return t
}

func fieldNote(f engine.Field) string {
	var parts []string
	if f.Required {
		parts = append(parts, "required")
	}
	if f.Secret {
		parts = append(parts, "secret")
	}
	if f.Default != nil {
		parts = append(parts, fmt.Sprintf("default %v", f.Default))
	}
	label := f.Label
	if label != "" && f.Description != "" {
		label += ": "
	}
	note := strings.Join(parts, ", ")
	if note != "" && label+f.Description != "" {
		note += "; "
	}
	return note + label + f.Description
}

// writeModulesMarkdown prints the module reference kept in docs/modules.md.
func writeModulesMarkdown(w io.Writer, specs []*engine.Spec) error {
	fmt.Fprintln(w, "# Module reference")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Generated from the module specs by `reqflow modules --markdown`; a test keeps it current.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "The engine itself carries out these flow-control modules and error directives:")
	fmt.Fprintln(w)
	for _, b := range engine.BuiltinModules() {
		fmt.Fprintf(w, "- `%s` — %s\n", b[0], b[1])
	}
	for _, sp := range specs {
		fmt.Fprintf(w, "\n## `%s` — %s\n\nVersions: %s.", sp.ID, sp.Label, versions(sp))
		if sp.Description != "" {
			fmt.Fprintf(w, " %s", sp.Description)
		}
		fmt.Fprintln(w)
		for _, group := range []struct {
			name   string
			fields []engine.Field
		}{{"Parameters", sp.Parameters}, {"Mapper", sp.Mapper}} {
			if len(group.fields) == 0 {
				continue
			}
			fmt.Fprintf(w, "\n%s:\n\n| field | type | notes |\n| --- | --- | --- |\n", group.name)
			mdFields(w, group.fields, "")
		}
	}
	return nil
}

func mdFields(w io.Writer, fields []engine.Field, prefix string) {
	for _, f := range fields {
		fmt.Fprintf(w, "| `%s%s` | %s | %s |\n", prefix, f.Name, mdEscape(fieldType(f)), mdEscape(fieldNote(f)))
		if len(f.Fields) > 0 {
			mdFields(w, f.Fields, prefix+f.Name+"[].")
		}
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
