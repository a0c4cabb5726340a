package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Kind is the JSON type of a parameter.
type Kind int

const (
	KindString Kind = iota + 1
	KindInteger
	KindNumber
	KindBool
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInteger:
		return "integer"
	case KindNumber:
		return "number"
	case KindBool:
		return "boolean"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// withArticle is the kind with its indefinite article, for messages.
func (k Kind) withArticle() string {
	if k == KindInteger {
		return "an integer"
	}
	return "a " + k.String()
}

// Value is one parameter value of its parameter's kind. The zero Value is
// no value. A request holds one per parameter and a catalog 100,000
// requests, so a value is small: a string, or 64 bits holding the
// integer, the number's bits or the truth.
type Value struct {
	s    string
	n    uint64
	kind Kind
}

// String, Int, Number and Bool make values of each kind. -0 is 0: they
// are the same value (see Canonical), and equal as Values.
func String(s string) Value { return Value{kind: KindString, s: s} }
func Int(i int64) Value     { return Value{kind: KindInteger, n: uint64(i)} }
func Number(f float64) Value {
	if f == 0 {
		f = 0
	}
	return Value{kind: KindNumber, n: math.Float64bits(f)}
}
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.n = 1
	}
	return v
}

// Kind is the value's kind; 0 for no value.
func (v Value) Kind() Kind { return v.kind }

// IsZero reports no value.
func (v Value) IsZero() bool { return v.kind == 0 }

// Str, Integer, Num and Truth read a value of their kind (the zero of the
// type for another kind).
func (v Value) Str() string { return v.s }
func (v Value) Integer() int64 {
	if v.kind != KindInteger {
		return 0
	}
	return int64(v.n)
}
func (v Value) Truth() bool { return v.kind == KindBool && v.n != 0 }
func (v Value) Num() float64 {
	switch v.kind {
	case KindInteger:
		return float64(int64(v.n))
	case KindNumber:
		return math.Float64frombits(v.n)
	}
	return 0
}

// Canonical is the value in canonical JSON: strings quoted (as
// encoding/json writes them, without HTML escaping), integers in decimal,
// other numbers in the shortest form that reads back exactly (1.4, 1,
// 1e+21; -0 is 0). This is what the input hash covers and what a plan
// compares.
func (v Value) Canonical() string { return string(v.appendCanonical(nil)) }

// appendCanonical appends the canonical form of the value to b.
func (v Value) appendCanonical(b []byte) []byte {
	switch v.kind {
	case KindString:
		return appendJSONString(b, v.s)
	case KindInteger:
		return strconv.AppendInt(b, v.Integer(), 10)
	case KindNumber:
		f := v.Num()
		if f == 0 {
			return append(b, '0') // one zero: -0 and 0 are the same value
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case KindBool:
		return strconv.AppendBool(b, v.Truth())
	}
	return append(b, "null"...)
}

// MarshalJSON writes the value as encoding/json writes the Go value of
// its kind.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.kind {
	case KindString:
		return json.Marshal(v.s)
	case KindInteger:
		return json.Marshal(v.Integer())
	case KindNumber:
		return json.Marshal(v.Num())
	case KindBool:
		return json.Marshal(v.Truth())
	}
	return []byte("null"), nil
}

// decodeValue reads a JSON value of kind k.
func decodeValue(k Kind, raw json.RawMessage) (Value, error) {
	if v, ok := decodeSimple(k, raw); ok {
		return v, nil
	}
	var err error
	switch k {
	case KindString:
		var s string
		if err = json.Unmarshal(raw, &s); err == nil {
			return String(s), nil
		}
	case KindInteger:
		var i int64
		if err = json.Unmarshal(raw, &i); err == nil {
			return Int(i), nil
		}
	case KindNumber:
		var f float64
		if err = json.Unmarshal(raw, &f); err == nil {
			return Number(f), nil
		}
	case KindBool:
		var b bool
		if err = json.Unmarshal(raw, &b); err == nil {
			return Bool(b), nil
		}
	default:
		return Value{}, fmt.Errorf("no kind")
	}
	return Value{}, fmt.Errorf("want %s: %w", k.withArticle(), err)
}

// decodeSimple decodes the common forms of a value quickly: a string
// without escapes, an integer, a number, a boolean. raw is valid JSON
// (encoding/json checked it before handing it over); the results are
// those of json.Unmarshal. ok is false for anything else, which
// json.Unmarshal then decodes, or refuses.
func decodeSimple(k Kind, raw []byte) (Value, bool) {
	switch k {
	case KindString:
		if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
			return Value{}, false
		}
		body := raw[1 : len(raw)-1]
		if bytes.IndexByte(body, '\\') >= 0 || !utf8.Valid(body) {
			return Value{}, false
		}
		return String(string(body)), true
	case KindInteger:
		i, err := strconv.ParseInt(string(raw), 10, 64)
		return Int(i), err == nil
	case KindNumber:
		if len(raw) == 0 || raw[0] == '"' || raw[0] == 'n' || raw[0] == 't' || raw[0] == 'f' {
			return Value{}, false
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		return Number(f), err == nil
	case KindBool:
		switch string(raw) {
		case "true":
			return Bool(true), true
		case "false":
			return Bool(false), true
		}
	}
	return Value{}, false
}

// String shows the value as Canonical does.
func (v Value) String() string { return v.Canonical() }

// jsonString is s as a JSON string, as encoding/json writes it without
// HTML escaping. Prompts are mostly printable ASCII that needs no escape;
// those are quoted directly, without an encoder per string (the plan of
// 10,000 images hashes 10,000 requests). Everything else goes through
// encoding/json, whose output is the definition.
func jsonString(s string) string { return string(appendJSONString(nil, s)) }

// appendJSONString appends s as a JSON string, as jsonString writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return append(b, jsonStringSlow(s)...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func jsonStringSlow(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
