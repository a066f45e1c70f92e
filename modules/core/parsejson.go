package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
)

func parseJSONSpec() *engine.Spec {
	return &engine.Spec{
		ID:       "json:ParseJSON",
		Versions: []int{1},
		Label:    "Parse JSON",
		Description: "Parses JSON text. An object is one bundle with its keys; an array is one bundle per element " +
			"(an object element is the bundle, any other element {value}), as Make outputs a parsed array as " +
			"several bundles; any other value is one bundle {value}. Numbers keep their exact digits.",
		Parameters: []engine.Field{{Name: "type", Label: "Data structure", Type: engine.Integer,
			Description: "The id of a Make data structure; ignored (the JSON text alone decides the output)."}},
		Mapper: []engine.Field{{Name: "json", Label: "JSON string", Type: engine.Text, Required: true}},
		New:    func(*blueprint.Module) (engine.Module, error) { return parseJSON{}, nil },
	}
}

// parseJSON is Make's Parse JSON (json:ParseJSON).
type parseJSON struct{}

// Run parses the json field.
func (parseJSON) Run(_ context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	text := strings.TrimPrefix(op.Fields().Text("json"), "\ufeff")
	if strings.TrimSpace(text) == "" {
		return nil, dataError(&engine.FieldError{Field: "json", Msg: "required: the JSON string is empty"})
	}
	v, err := decodeJSON(text)
	if err != nil {
		return nil, dataError(&engine.FieldError{Field: "json", Msg: err.Error()})
	}
	switch x := v.(type) {
	case map[string]any:
		return []bundle.Bundle{x}, nil
	case []any:
		out := make([]bundle.Bundle, len(x))
		for i, e := range x {
			if m, ok := e.(map[string]any); ok {
				out[i] = m
			} else {
				out[i] = bundle.Bundle{"value": e}
			}
		}
		return out, nil
	}
	return []bundle.Bundle{{"value": v}}, nil
}

// decodeJSON decodes exactly one JSON value, numbers as json.Number.
func decodeJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(text, dec, err)
	}
	end := int(dec.InputOffset())
	if rest := strings.TrimLeft(text[end:], " \t\r\n"); rest != "" {
		return nil, fmt.Errorf("invalid JSON: unexpected text after the value at offset %d", len(text)-len(rest))
	}
	return v, nil
}

// jsonError describes a decoding error with its position.
func jsonError(text string, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at offset %d: %s", syn.Offset, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("invalid JSON: the text ends before the value does (%d bytes)", len(text))
	}
	return fmt.Errorf("invalid JSON at offset %d: %w", dec.InputOffset(), err)
}

// encodeJSON prints v as JSON the way JSON.stringify does with the given
// indentation: no HTML escaping, dates as ISO-8601 text.
func encodeJSON(v any, indent string) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(bundle.ToJSON(v)); err != nil {
		return "", fmt.Errorf("encoding JSON: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// spaceParam is the indentation option of Create JSON and Transform to JSON.
var spaceParam = engine.Field{Name: "space", Label: "Indentation", Type: engine.Select, Default: "",
	Options: []string{"", "tab", "2", "4"}, Description: `"" prints compact JSON; "tab", "2" or "4" indent it.`}

// indentOf reads the space parameter.
func indentOf(p *engine.Fields) string {
	switch s := p.Text("space"); s {
	case "":
		return ""
	case "tab":
		return "\t"
	case "2":
		return "  "
	case "4":
		return "    "
	default:
		p.Fail("space", `expected "", "tab", "2" or "4", got `+quote(s))
		return ""
	}
}

var _ engine.Module = parseJSON{}
