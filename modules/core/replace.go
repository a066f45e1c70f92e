package core

import (
	"context"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/iml"
)

// regexFlags are the matching options of the text parser modules.
var regexFlags = []engine.Field{
	{Name: "global", Label: "Global match", Type: engine.Boolean, Default: false, Description: "Every match, not only the first."},
	{Name: "sensitive", Label: "Case sensitive", Type: engine.Boolean, Default: true},
	{Name: "multiline", Label: "Multiline", Type: engine.Boolean, Default: false, Description: "^ and $ match at line breaks."},
	{Name: "singleline", Label: "Singleline", Type: engine.Boolean, Default: false, Description: "The dot matches line breaks too."},
}

// flagsOf reads the matching options into JavaScript regex flags.
func flagsOf(f *engine.Fields) (flags string, global bool) {
	global = f.Bool("global", false)
	if !f.Bool("sensitive", true) {
		flags += "i"
	}
	if f.Bool("multiline", false) {
		flags += "m"
	}
	if f.Bool("singleline", false) {
		flags += "s"
	}
	return flags, global
}

func replaceSpec() *engine.Spec {
	mapper := []engine.Field{
		{Name: "pattern", Label: "Pattern", Type: engine.Text, Required: true, Description: "A JavaScript regular expression (RE2: no look-around or back-references)."},
		{Name: "value", Label: "New value", Type: engine.Text, Description: "The replacement; $1…$99, $& and $$ as in JavaScript."},
	}
	mapper = append(mapper, regexFlags...)
	mapper = append(mapper, engine.Field{Name: "text", Label: "Text", Type: engine.Text})
	return &engine.Spec{
		ID:          "regexp:Replace",
		Versions:    []int{1},
		Label:       "Replace",
		Description: "Outputs {text}: the text with the first match (every match when global) of the pattern replaced.",
		Mapper:      mapper,
		New: func(m *blueprint.Module) (engine.Module, error) {
			f := engine.NewFields(static(m.Mapper))
			flags, _ := flagsOf(f)
			if p, ok := static(m.Mapper)["pattern"]; ok {
				if _, err := iml.CompileRegexp(iml.ToText(p), flags); err != nil {
					f.Fail("pattern", err.Error())
				}
			}
			if err := mapperError(f); err != nil {
				return nil, err
			}
			return replace{}, nil
		},
	}
}

// replace is Make's Replace (regexp:Replace).
type replace struct{}

// Run replaces matches in the text.
func (replace) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	flags, global := flagsOf(f)
	if !f.Has("pattern") {
		f.Fail("pattern", "required: the pattern is empty")
	}
	if err := f.Err(); err != nil {
		return nil, dataError(err)
	}
	re, err := iml.CompileRegexp(f.Text("pattern"), flags)
	if err != nil {
		return nil, dataError(&engine.FieldError{Field: "pattern", Msg: err.Error()})
	}
	return []bundle.Bundle{{"text": iml.ReplaceRegexp(re, f.Text("text"), f.Text("value"), global)}}, nil
}

var _ engine.Module = replace{}
