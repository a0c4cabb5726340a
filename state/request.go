package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/imgform/imgform/segmind"
)

// Request is the resolved request of an image as the state records it
// (fields in JSON key order):
// the model and every parameter that decides the image, with defaults
// filled in and the seed actually used. It holds nothing about where the
// image is written or how it is fetched (output paths, API key, endpoint,
// base64), so none of those changes its input hash.
type Request struct {
	GuidanceScale     float64 `json:"guidance_scale"`
	ImgHeight         int     `json:"img_height"`
	ImgWidth          int     `json:"img_width"`
	Model             string  `json:"model"`
	NegativePrompt    string  `json:"negative_prompt"`
	NumInferenceSteps int     `json:"num_inference_steps"`
	Prompt            string  `json:"prompt"`
	Samples           int     `json:"samples"`
	Scheduler         string  `json:"scheduler"`
	Seed              int64   `json:"seed"`
}

// RequestFromAPI records an API request for the model.
func RequestFromAPI(r segmind.Request) Request {
	return Request{
		Model:             segmind.Model,
		Prompt:            r.Prompt,
		NegativePrompt:    r.NegativePrompt,
		Samples:           r.Samples,
		Scheduler:         r.Scheduler,
		NumInferenceSteps: r.NumInferenceSteps,
		GuidanceScale:     r.GuidanceScale,
		Seed:              r.Seed,
		ImgWidth:          r.ImgWidth,
		ImgHeight:         r.ImgHeight,
	}
}

// API returns the request to send for this image.
func (r Request) API() segmind.Request {
	return segmind.Request{
		Prompt:            r.Prompt,
		NegativePrompt:    r.NegativePrompt,
		Samples:           r.Samples,
		Scheduler:         r.Scheduler,
		NumInferenceSteps: r.NumInferenceSteps,
		GuidanceScale:     r.GuidanceScale,
		Seed:              r.Seed,
		ImgWidth:          r.ImgWidth,
		ImgHeight:         r.ImgHeight,
	}
}

// InputHashVersion is the version of the canonical encoding the input hash
// is computed over. It is part of the encoded bytes, and the state file
// records it: a later change of encoding is a migration that recomputes
// the hashes from the recorded requests, not a silent regeneration of
// every image.
const InputHashVersion = 1

// Param is one parameter of a request, by its API name, with its value in
// canonical text (JSON).
type Param struct {
	Name  string
	Value string
}

// Params lists the request's parameters, sorted by name, each value in its
// canonical JSON form: strings quoted, integers in decimal, other numbers
// in the shortest form that reads back exactly (1.4, 1, 1e+21). This is
// what the input hash covers and what a plan compares.
func (r Request) Params() []Param {
	str := jsonString
	integer := func(i int64) string { return strconv.FormatInt(i, 10) }
	number := func(f float64) string {
		if f == 0 {
			return "0" // one zero: -0 and 0 are the same value
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	// Sorted by name.
	return []Param{
		{"guidance_scale", number(r.GuidanceScale)},
		{"img_height", integer(int64(r.ImgHeight))},
		{"img_width", integer(int64(r.ImgWidth))},
		{"model", str(r.Model)},
		{"negative_prompt", str(r.NegativePrompt)},
		{"num_inference_steps", integer(int64(r.NumInferenceSteps))},
		{"prompt", str(r.Prompt)},
		{"samples", integer(int64(r.Samples))},
		{"scheduler", str(r.Scheduler)},
		{"seed", integer(r.Seed)},
	}
}

// jsonString is s as a JSON string, as encoding/json writes it without
// HTML escaping. Prompts are mostly printable ASCII that needs no escape;
// those are quoted directly, without an encoder per string (the plan of
// 10,000 images hashes 10,000 requests). Everything else goes through
// encoding/json, whose output is the definition.
func jsonString(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return jsonStringSlow(s)
		}
	}
	return `"` + s + `"`
}

func jsonStringSlow(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// CanonicalEncoding is the byte string the input hash is computed over:
// a version line, then one JSON object with the parameters in sorted order
// and no insignificant space.
func (r Request) CanonicalEncoding() []byte {
	var b bytes.Buffer
	b.WriteString("imgform-input-v")
	b.WriteString(strconv.Itoa(InputHashVersion))
	b.WriteString("\n{")
	for i, p := range r.Params() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(p.Name)
		b.WriteString(`":`)
		b.WriteString(p.Value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// InputHash is the SHA-256 of the canonical encoding: the identity of the
// image the request makes. The cache is keyed by it.
func (r Request) InputHash() Hash {
	return sha256.Sum256(r.CanonicalEncoding())
}

// DisplayParams lists the parameters in the model's schema order (prompt
// first), without the model: the order people read them in.
func (r Request) DisplayParams() []Param {
	byName := map[string]string{}
	for _, p := range r.Params() {
		byName[p.Name] = p.Value
	}
	var out []Param
	for _, name := range segmind.ImageParamNames() {
		out = append(out, Param{Name: name, Value: byName[name]})
	}
	return out
}
