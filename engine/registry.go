package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
)

// Module runs operations: one input bundle in, zero or more output bundles out.
type Module interface {
	Run(ctx context.Context, op *Op) ([]bundle.Bundle, error)
}

// ModuleFunc adapts a function to the Module interface.
type ModuleFunc func(ctx context.Context, op *Op) ([]bundle.Bundle, error)

// Run calls f.
func (f ModuleFunc) Run(ctx context.Context, op *Op) ([]bundle.Bundle, error) { return f(ctx, op) }

// Op is one operation: a module run on one input.
type Op struct {
	// Input is the module's mapper, evaluated for this bundle.
	Input map[string]any
	// Module is the blueprint module being run.
	Module *blueprint.Module
	// Execution is the execution the operation belongs to.
	Execution *Execution
}

// Fields returns a reader for the operation's evaluated mapper.
func (op *Op) Fields() *Fields { return NewFields(op.Input) }

// FieldType is the type of a module field.
type FieldType string

// Field types.
const (
	Text       FieldType = "text"
	Boolean    FieldType = "boolean"
	Integer    FieldType = "integer"
	Select     FieldType = "select"
	Array      FieldType = "array"
	Buffer     FieldType = "buffer"
	Collection FieldType = "collection"
)

// Field describes one mapper or parameter field of a module, for help text,
// `reqflow check` and documentation.
type Field struct {
	Name        string    `json:"name"`
	Label       string    `json:"label,omitempty"`
	Type        FieldType `json:"type"`
	Default     any       `json:"default,omitempty"`
	Required    bool      `json:"required,omitempty"`
	Secret      bool      `json:"secret,omitempty"`
	Options     []string  `json:"options,omitempty"`
	Description string    `json:"description,omitempty"`
	// Fields describes the items of an array field or the keys of a collection.
	Fields []Field `json:"fields,omitempty"`
}

// Spec declares a module type: its id, versions, fields and constructor.
type Spec struct {
	// ID is the module type, "app:Name".
	ID string `json:"id"`
	// Versions lists the app versions this implementation accepts.
	Versions []int `json:"versions,omitempty"`
	// Label is the module's name in Make's interface.
	Label string `json:"label"`
	// Description says what the module does.
	Description string `json:"description,omitempty"`
	// Parameters are the static settings (blueprint "parameters").
	Parameters []Field `json:"parameters,omitempty"`
	// Mapper are the mappable inputs (blueprint "mapper").
	Mapper []Field `json:"mapper,omitempty"`
	// New validates a blueprint module's static configuration and builds
	// the module. Errors should name the field.
	New func(m *blueprint.Module) (Module, error) `json:"-"`
}

// Registry holds the module types an engine can run. Tests build their own.
type Registry struct {
	specs map[string]*Spec
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{specs: map[string]*Spec{}} }

// Register adds a module spec. Registering the same id twice is an error.
func (r *Registry) Register(s *Spec) error {
	if s.ID == "" || s.New == nil {
		return fmt.Errorf("registering module: spec needs an ID and a constructor")
	}
	if _, dup := r.specs[s.ID]; dup {
		return fmt.Errorf("registering module %s: already registered", s.ID)
	}
	r.specs[s.ID] = s
	return nil
}

// MustRegister registers specs and panics on a programming error; for use
// in package registration functions only.
func (r *Registry) MustRegister(specs ...*Spec) {
	for _, s := range specs {
		if err := r.Register(s); err != nil {
			panic(err)
		}
	}
}

// Lookup returns the spec for a module type and version.
func (r *Registry) Lookup(id string, version int) (*Spec, error) {
	s, ok := r.specs[id]
	if !ok {
		return nil, fmt.Errorf("module type %s is not supported", id)
	}
	if len(s.Versions) > 0 && version != 0 {
		for _, v := range s.Versions {
			if v == version {
				return s, nil
			}
		}
		return nil, fmt.Errorf("module type %s version %d is not supported (supported: %v)", id, version, s.Versions)
	}
	return s, nil
}

// Specs returns every registered spec, sorted by id.
func (r *Registry) Specs() []*Spec {
	out := make([]*Spec, 0, len(r.specs))
	for _, s := range r.specs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
