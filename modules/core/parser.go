package core

import (
	"context"
	"regexp"
	"strconv"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/iml"
)

// MatchKey is the whole match in the bundles of a global regexp:Parser
// ("Fallback Match" in Make's interface).
const MatchKey = "__IMTMATCH__"

func parserSpec() *engine.Spec {
	params := []engine.Field{{Name: "pattern", Label: "Pattern", Type: engine.Text, Required: true,
		Description: "A JavaScript regular expression (RE2: no look-around or back-references)."}}
	params = append(params, regexFlags...)
	params = append(params,
		engine.Field{Name: "continueWhenNoRes", Label: "Continue the execution of the route even if the module finds no matches",
			Type: engine.Boolean, Default: false, Description: "With no match, output one empty bundle instead of none."},
		engine.Field{Name: "ignoreInfiniteLoopsWhenGlobal", Label: "Ignore errors when there is an infinite search loop",
			Type: engine.Boolean, Default: false, Description: "Accepted and ignored: an empty match never loops here."},
	)
	return &engine.Spec{
		ID:       "regexp:Parser",
		Versions: []int{1},
		Label:    "Match pattern",
		Description: "Outputs one bundle per match (only the first unless global): $1, $2… for the capturing groups " +
			"(a group that did not take part is left out), each named group under its name too, and, when global, " +
			"i (the 1-based match number) and __IMTMATCH__ (the whole match).",
		Parameters: params,
		Mapper:     []engine.Field{{Name: "text", Label: "Text", Type: engine.Text}},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			flags, global := flagsOf(p)
			cont := p.Bool("continueWhenNoRes", false)
			p.Bool("ignoreInfiniteLoopsWhenGlobal", false)
			var re *regexp.Regexp
			if !p.Has("pattern") {
				p.Fail("pattern", "required: the pattern is empty")
			} else {
				var err error
				if re, err = iml.CompileRegexp(p.Text("pattern"), flags); err != nil {
					p.Fail("pattern", err.Error())
				}
			}
			if err := paramError(p); err != nil {
				return nil, err
			}
			return &parser{re: re, global: global, continueWhenNone: cont}, nil
		},
	}
}

// parser is Make's Match pattern (regexp:Parser).
type parser struct {
	re               *regexp.Regexp
	global           bool
	continueWhenNone bool
}

// Run outputs one bundle per match.
func (p *parser) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	text := op.Fields().Text("text")
	n := 1
	if p.global {
		n = -1
	}
	matches := p.re.FindAllStringSubmatchIndex(text, n)
	if len(matches) == 0 {
		if p.continueWhenNone {
			return []bundle.Bundle{{}}, nil
		}
		return nil, nil
	}
	names := p.re.SubexpNames()
	out := make([]bundle.Bundle, len(matches))
	for k, m := range matches {
		b := bundle.Bundle{}
		for g := 1; g < len(m)/2; g++ {
			if m[2*g] < 0 {
				continue
			}
			s := text[m[2*g]:m[2*g+1]]
			b["$"+strconv.Itoa(g)] = s
			if names[g] != "" {
				b[names[g]] = s
			}
		}
		if p.global {
			b["i"] = k + 1
			b[MatchKey] = text[m[0]:m[1]]
		}
		out[k] = b
	}
	return out, nil
}

var _ engine.Module = (*parser)(nil)
