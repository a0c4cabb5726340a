package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/imgform/imgform/internal/jsonsplit"
)

// Request is a resolved request of a model: the model and a value for
// every image parameter of its schema (transport parameters have none),
// defaults filled in and the seed the one sent. It says nothing of where
// the image is written or how it is fetched (output paths, key, endpoint,
// base64), so none of those changes its input hash.
//
// A Request is a value: With returns a changed copy, and nothing else
// changes one.
type Request struct {
	schema *Schema
	values []Value // by index into schema.Params; zero for transport parameters
}

// NewRequest returns the request of schema with every image parameter at
// its default; required ones have none until set.
func NewRequest(s *Schema) Request {
	r := Request{schema: s, values: make([]Value, len(s.Params))}
	for i, p := range s.Params {
		if !p.Transport {
			r.values[i] = p.Default
		}
	}
	return r
}

// Schema is the request's model.
func (r Request) Schema() *Schema { return r.schema }

// Model is the request's model id.
func (r Request) Model() string {
	if r.schema == nil {
		return ""
	}
	return r.schema.ID
}

// Get returns the value of the named parameter (zero when there is none).
func (r Request) Get(name string) Value {
	for i := range r.schema.Params {
		if r.schema.Params[i].Name == name {
			return r.values[i]
		}
	}
	return Value{}
}

// With returns a copy of r with the named parameter set to v. It panics
// on a name the schema does not have: callers set the schema's own
// parameters.
func (r Request) With(name string, v Value) Request {
	for i := range r.schema.Params {
		if r.schema.Params[i].Name == name {
			c := Request{schema: r.schema, values: append([]Value(nil), r.values...)}
			c.values[i] = v
			return c
		}
	}
	panic(fmt.Sprintf("model: %s has no parameter %q; this is a bug in imgform", r.Model(), name))
}

// Clone returns a copy of r that shares nothing with it: Set on one
// does not change the other.
func (r Request) Clone() Request {
	return Request{schema: r.schema, values: slices.Clone(r.values)}
}

// Set sets the named parameter in place, for a request being built: one
// from NewRequest that no copy has been taken of yet (copies share their
// values; With changes one without touching the others). A catalog's
// 100,000 requests are built with one allocation each this way.
func (r *Request) Set(name string, v Value) {
	for i := range r.schema.Params {
		if r.schema.Params[i].Name == name {
			r.values[i] = v
			return
		}
	}
	panic(fmt.Sprintf("model: %s has no parameter %q; this is a bug in imgform", r.Model(), name))
}

// role is the value of the parameter playing role.
func (r Request) role(role Role) Value {
	if p := r.schema.ByRole(role); p != nil {
		return r.Get(p.Name)
	}
	return Value{}
}

// Prompt, NegativePrompt, Samples, Seed, Width and Height read the
// parameters that play those roles.
func (r Request) Prompt() string         { return r.role(RolePrompt).Str() }
func (r Request) NegativePrompt() string { return r.role(RoleNegativePrompt).Str() }
func (r Request) Width() int             { return int(r.role(RoleWidth).Integer()) }
func (r Request) Height() int            { return int(r.role(RoleHeight).Integer()) }
func (r Request) Seed() int64            { return r.role(RoleSeed).Integer() }

// Samples is the number of images the request makes (1 for a model
// without such a parameter).
func (r Request) Samples() int {
	if v := r.role(RoleSamples); !v.IsZero() {
		return int(v.Integer())
	}
	return 1
}

// WithPrompt returns a copy of r with its prompt parameter set.
func (r Request) WithPrompt(prompt string) Request {
	return r.With(r.schema.ByRole(RolePrompt).Name, String(prompt))
}

// WithSeed returns a copy of r with its seed parameter set.
func (r Request) WithSeed(seed int64) Request {
	return r.With(r.schema.ByRole(RoleSeed).Name, Int(seed))
}

// Validate checks every image parameter against the schema, in schema
// order, and returns the problems found.
func (r Request) Validate() []*ParamError {
	var errs []*ParamError
	for i, p := range r.schema.Params {
		if p.Transport {
			continue
		}
		v := r.values[i]
		if v.IsZero() {
			if p.Required {
				errs = append(errs, &ParamError{Param: p.Name, Reason: ReasonRequired, Detail: p.Name + " is required."})
			}
			continue
		}
		if err := r.schema.Check(p.Name, v); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Field is one parameter of a request, by name, with its value in
// canonical text (see Value.Canonical).
type Field struct {
	Name  string
	Value string
}

// Params lists the request's parameters and its model (as "model"),
// sorted by name, each value in canonical form: what the input hash
// covers.
func (r Request) Params() []Field {
	order := r.schema.canonicalOrder()
	out := make([]Field, len(order))
	for k, i := range order {
		if i < 0 {
			out[k] = Field{Name: "model", Value: jsonString(r.Model())}
			continue
		}
		out[k] = Field{Name: r.schema.Params[i].Name, Value: r.values[i].Canonical()}
	}
	return out
}

// DisplayParams lists the image parameters in the schema's order (prompt
// first), without the model: the order people read them in.
func (r Request) DisplayParams() []Field {
	out := make([]Field, 0, len(r.schema.Params))
	for i, p := range r.schema.Params {
		if !p.Transport {
			out = append(out, Field{Name: p.Name, Value: r.values[i].Canonical()})
		}
	}
	return out
}

// InputHashVersion is the version of the canonical encoding the input hash
// is computed over. It is part of the encoded bytes, and the state file
// records it: a later change of encoding is a migration that recomputes
// the hashes from the recorded requests, not a silent regeneration of
// every image.
const InputHashVersion = 1

// CanonicalEncoding is the byte string the input hash is computed over:
// a version line, then one JSON object with the parameters (and the
// model) in sorted order and no insignificant space.
func (r Request) CanonicalEncoding() []byte {
	b := make([]byte, 0, 256)
	b = append(b, "imgform-input-v"...)
	b = strconv.AppendInt(b, InputHashVersion, 10)
	b = append(b, "\n{"...)
	for k, i := range r.schema.canonicalOrder() {
		if k > 0 {
			b = append(b, ',')
		}
		if i < 0 {
			b = append(b, `"model":`...)
			b = appendJSONString(b, r.Model())
			continue
		}
		b = append(b, '"')
		b = append(b, r.schema.Params[i].Name...)
		b = append(b, `":`...)
		b = r.values[i].appendCanonical(b)
	}
	return append(b, '}')
}

// InputHash is the SHA-256 of the canonical encoding: the identity of the
// image the request makes. The content cache is keyed by it.
func (r Request) InputHash() Hash {
	return sha256.Sum256(r.CanonicalEncoding())
}

// Equal reports whether two requests are the same request.
func (r Request) Equal(o Request) bool {
	return bytes.Equal(r.CanonicalEncoding(), o.CanonicalEncoding())
}

// MarshalJSON writes the request as the state records it: one object
// with the model and every image parameter, keys sorted.
func (r Request) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for k, i := range r.schema.canonicalOrder() {
		if k > 0 {
			b = append(b, ',')
		}
		if i < 0 {
			b = append(b, `"model":`...)
			b = appendJSONString(b, r.Model())
			continue
		}
		b = appendJSONString(b, r.schema.Params[i].Name)
		b = append(b, ':')
		data, err := r.values[i].MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(b, data...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads a request written by MarshalJSON: its model must be
// registered, and every image parameter present with a value of its
// kind; nothing else may be there.
func (r *Request) UnmarshalJSON(data []byte) error {
	fields, err := requestFields(data)
	if err != nil {
		return err
	}
	var id string
	if err := json.Unmarshal(fields["model"], &id); err != nil || id == "" {
		return fmt.Errorf("the request names no model")
	}
	s, ok := Lookup(id)
	if !ok {
		return fmt.Errorf("the request is for the model %q, which this imgform does not know", id)
	}
	req := Request{schema: s, values: make([]Value, len(s.Params))}
	seen := 1
	for i, p := range s.Params {
		if p.Transport {
			continue
		}
		raw, ok := fields[p.Name]
		if !ok {
			return fmt.Errorf("the request has no %q", p.Name)
		}
		v, err := decodeValue(p.Kind, raw)
		if err != nil {
			return fmt.Errorf("the request's %q: %w", p.Name, err)
		}
		req.values[i] = v
		seen++
	}
	if seen != len(fields) {
		for name := range fields {
			if p, ok := s.Param(name); name != "model" && (!ok || p.Transport) {
				return fmt.Errorf("the request has %q, which is not a parameter of %s", name, id)
			}
		}
	}
	*r = req
	return nil
}

// requestFields splits a request object into its fields. A state holds
// one request per image, so this is on the path of loading a large one:
// the fast split first, encoding/json for anything unusual (and its
// errors).
func requestFields(data []byte) (map[string]json.RawMessage, error) {
	if keys, values, ok := jsonsplit.Object(data); ok {
		fields := make(map[string]json.RawMessage, len(keys))
		for i, k := range keys {
			if _, dup := fields[k]; dup {
				break
			}
			fields[k] = values[i]
		}
		if len(fields) == len(keys) {
			return fields, nil
		}
	}
	var fields map[string]json.RawMessage
	err := json.Unmarshal(data, &fields)
	return fields, err
}
