package model

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Role says what a parameter means to imgform beyond its value: which one
// is the prompt, the number of images, the seed, the size.
type Role int

const (
	RoleNone Role = iota
	RolePrompt
	RoleNegativePrompt
	RoleSamples
	RoleSeed
	RoleWidth
	RoleHeight
)

// Param describes one request parameter of a model.
type Param struct {
	Name     string // the API's name, and the spec language's attribute
	Kind     Kind
	Required bool
	Default  Value // zero when Required
	// Min and Max bound a number or integer when Ranged.
	Min, Max float64
	Ranged   bool
	// AllowedInts and Allowed are the only values accepted, when set.
	AllowedInts []int64
	Allowed     []string
	// Confirmed lists the Allowed values the provider documents, when
	// it documents only some of them (the others are accepted so that no
	// valid value is refused here).
	Confirmed   []string
	Description string
	// Transport marks a parameter that changes how the answer is
	// encoded, not which image is made (base64): no part of an image's
	// identity, and not set in a spec.
	Transport bool
	Role      Role
	// A1111 is the parameter's label in the AUTOMATIC1111 "parameters"
	// text written into every image ("Steps", "Sampler"); "" leaves it out.
	A1111 string
	// Aliases are the names people coming from other tools type for this
	// parameter (AUTOMATIC1111, ComfyUI, the Segmind SDK: "steps",
	// "cfg_scale", "sampler_name"): not accepted, but a diagnostic that
	// meets one names the parameter.
	Aliases []string
}

// Schema is a model: its parameters, in the order of the provider's page,
// and what it costs.
type Schema struct {
	// ID is the provider's model id (the Segmind slug); Title its name.
	ID, Title string
	Params    []Param
	// PriceUSD is the provider's published price of one image. It is used
	// for estimates and for what a run reports it spent.
	PriceUSD float64
	// ExpectedSeconds is the provider's published time for one image.
	ExpectedSeconds float64
	// A1111Order is the order of the labelled parameters (Param.A1111) in
	// the AUTOMATIC1111 "parameters" text.
	A1111Order []string

	canonical struct {
		once  sync.Once
		order []int
	}
}

// canonicalOrder is the order of a request's fields in its canonical
// encoding and its state record: the image parameters, by index in
// Params, and the model (-1), sorted by name. It is worked out once: the
// input hash of every image of a catalog is computed on each plan.
func (s *Schema) canonicalOrder() []int {
	s.canonical.once.Do(func() {
		name := func(i int) string {
			if i < 0 {
				return "model"
			}
			return s.Params[i].Name
		}
		order := []int{-1}
		for i, p := range s.Params {
			if !p.Transport {
				order = append(order, i)
			}
		}
		sort.Slice(order, func(a, b int) bool { return name(order[a]) < name(order[b]) })
		s.canonical.order = order
	})
	return s.canonical.order
}

// Param returns the parameter of that name.
func (s *Schema) Param(name string) (*Param, bool) {
	for i := range s.Params {
		if s.Params[i].Name == name {
			return &s.Params[i], true
		}
	}
	return nil, false
}

// ParamByAlias returns the parameter that name is an alias of (see
// Param.Aliases); the match ignores case, "-" and "_".
func (s *Schema) ParamByAlias(name string) (*Param, bool) {
	key := aliasKey(name)
	for i := range s.Params {
		for _, a := range s.Params[i].Aliases {
			if aliasKey(a) == key {
				return &s.Params[i], true
			}
		}
	}
	return nil, false
}

// aliasKey is name as aliases are compared: lower case, without "-" and "_"
// ("CFG-Scale", "cfg_scale" and "cfgscale" are one).
func aliasKey(name string) string {
	return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(name))
}

// ByRole returns the parameter that plays role; nil when none does.
func (s *Schema) ByRole(role Role) *Param {
	for i := range s.Params {
		if s.Params[i].Role == role {
			return &s.Params[i]
		}
	}
	return nil
}

// ImageParams are the parameters that decide which image is made: all
// but the transport ones, in schema order.
func (s *Schema) ImageParams() []*Param {
	out := make([]*Param, 0, len(s.Params))
	for i := range s.Params {
		if !s.Params[i].Transport {
			out = append(out, &s.Params[i])
		}
	}
	return out
}

// MaxSeed is the largest seed the model accepts; 0 when it has no seed.
func (s *Schema) MaxSeed() int64 {
	if p := s.ByRole(RoleSeed); p != nil {
		return int64(p.Max)
	}
	return 0
}

var registry = map[string]*Schema{}

// Register makes a schema known by its id (Lookup), as a state file names
// it. The models imgform drives register themselves.
func Register(s *Schema) {
	registry[s.ID] = s
}

// Lookup returns the schema of a model id.
func Lookup(id string) (*Schema, bool) {
	s, ok := registry[id]
	return s, ok
}

// IDs lists the registered model ids, sorted.
func IDs() []string {
	out := make([]string, 0, len(registry))
	for id := range registry {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// formatAllowed lists allowed values for a message.
func formatAllowed(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
