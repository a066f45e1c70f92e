package core

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/iml"
)

func switcherSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "util:Switcher",
		Versions: []int{1},
		Label:    "Switch",
		Description: "Outputs {output}: the output of the first case whose pattern matches the input " +
			"(equal text, or a regular expression), else elseOutput (null when unset).",
		Mapper: []engine.Field{
			{Name: "input", Label: "Input", Type: engine.Text},
			{Name: "useRegExpMatch", Label: "Use regular expressions to match", Type: engine.Boolean, Default: false,
				Description: "Patterns are JavaScript regular expressions (a /pattern/flags literal takes its flags)."},
			{Name: "casesTable", Label: "Cases", Type: engine.Array, Required: true, Fields: []engine.Field{
				{Name: "pattern", Label: "Pattern", Type: engine.Text},
				{Name: "output", Label: "Output", Type: "any"},
			}},
			{Name: "elseOutput", Label: "Else", Type: "any"},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			f := engine.NewFields(static(m.Mapper))
			f.Bool("useRegExpMatch", false)
			if err := mapperError(f); err != nil {
				return nil, err
			}
			return switcher{}, nil
		},
	}
}

// switcher is Make's Switch (util:Switcher).
type switcher struct{}

// Run outputs the first matching case's output.
func (switcher) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	input := f.Text("input")
	useRE := f.Bool("useRegExpMatch", false)
	cases := f.Items("casesTable")
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	for i, c := range cases {
		pattern := iml.ToText(c["pattern"])
		if !useRE {
			if pattern == input {
				return []bundle.Bundle{{"output": c["output"]}}, nil
			}
			continue
		}
		re, err := compileLiteral(pattern)
		if err != nil {
			return nil, dataError(&engine.FieldError{Field: indexed("casesTable", i, "pattern"), Msg: err.Error()})
		}
		if re.MatchString(input) {
			return []bundle.Bundle{{"output": c["output"]}}, nil
		}
	}
	return []bundle.Bundle{{"output": f.Value("elseOutput")}}, nil
}

// compileLiteral compiles a pattern written as /pattern/flags or bare.
func compileLiteral(s string) (*regexp.Regexp, error) {
	if len(s) >= 2 && s[0] == '/' {
		if end := strings.LastIndexByte(s, '/'); end > 0 && strings.Trim(s[end+1:], "gimsuy") == "" {
			return iml.CompileRegexp(s[1:end], s[end+1:])
		}
	}
	return iml.CompileRegexp(s, "")
}

// quote quotes a value for an error message.
func quote(s string) string { return fmt.Sprintf("%q", excerpt(s)) }

var _ engine.Module = switcher{}
