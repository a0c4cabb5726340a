package variant

import (
	"crypto/sha256"
	"encoding/json"
	"strconv"
)

// HashVersion is the version of the variant hash. It is raised whenever
// the bytes Derive writes for the same source and attributes change: a
// new resampler or encoder, another encoder setting, another canonical
// encoding. A state that recorded an older version's hash then re-derives
// its variants.
const HashVersion = 2

// CanonicalEncoding is the text the variant hash is taken of: a version
// line, then a JSON object of the attributes that decide the bytes, with
// defaults filled in (WithDefaults), keys sorted and no space:
//
//	imgform-variant-v2
//	{"anchor":"center","background":"","fit":"cover","format":"webp","height":0,"lossless":false,"quality":82,"width":256}
//
// Upscale is not in it: it permits a size, it does not change the
// pixels. Neither is the output path; its format is.
func (s Spec) CanonicalEncoding() []byte {
	d := s.WithDefaults()
	b := make([]byte, 0, 192)
	b = append(b, "imgform-variant-v"...)
	b = strconv.AppendInt(b, HashVersion, 10)
	b = append(b, "\n"...)
	b = append(b, d.AttributesJSON()...)
	return b
}

// Hash is the SHA-256 of CanonicalEncoding: the state records it, and a
// change of any attribute that changes the bytes changes it. It is a
// [32]byte like model.Hash, which it converts to.
func (s Spec) Hash() [32]byte {
	return sha256.Sum256(s.CanonicalEncoding())
}

// AttributesJSON is the canonical JSON object of the spec's attributes
// as they are (no defaults filled in), keys sorted: the part of
// CanonicalEncoding after its version line, for a spec WithDefaults.
func (s Spec) AttributesJSON() []byte {
	b := make([]byte, 0, 160)
	b = append(b, `{"anchor":`...)
	b = appendJSONString(b, string(s.Anchor))
	b = append(b, `,"background":`...)
	b = appendJSONString(b, s.Background)
	b = append(b, `,"fit":`...)
	b = appendJSONString(b, string(s.Fit))
	b = append(b, `,"format":`...)
	b = appendJSONString(b, s.Format.String())
	b = append(b, `,"height":`...)
	b = strconv.AppendInt(b, int64(s.Height), 10)
	b = append(b, `,"lossless":`...)
	b = strconv.AppendBool(b, s.Lossless)
	b = append(b, `,"quality":`...)
	b = strconv.AppendInt(b, int64(s.Quality), 10)
	b = append(b, `,"width":`...)
	b = strconv.AppendInt(b, int64(s.Width), 10)
	return append(b, '}')
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// Attribute is one of a variant's attributes, named as the language
// names it, with its value as text.
type Attribute struct {
	Name, Value string
}

// Attributes lists the attributes that decide the bytes (those of
// CanonicalEncoding), defaults filled in, in the language's order:
// width, height, fit, anchor, background, format, quality, lossless. A
// width or height that follows the aspect ratio is "auto"; an attribute
// that does not apply (anchor but for cover, background but for
// contain, quality for PNG or lossless WebP) is "". Two specs with the
// same hash have the same list, so the plan can show what changed.
func (s Spec) Attributes() []Attribute {
	d := s.WithDefaults()
	side := func(v int) string {
		if v == 0 {
			return "auto"
		}
		return strconv.Itoa(v)
	}
	quality := ""
	if d.Quality != 0 {
		quality = strconv.Itoa(d.Quality)
	}
	return []Attribute{
		{"width", side(d.Width)},
		{"height", side(d.Height)},
		{"fit", string(d.Fit)},
		{"anchor", string(d.Anchor)},
		{"background", d.Background},
		{"format", d.Format.String()},
		{"quality", quality},
		{"lossless", strconv.FormatBool(d.Lossless)},
	}
}
