package segmind

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Model is the Segmind slug of the one model imgform drives.
const Model = "sdxl1.0-newreality-lightning"

// ModelTitle is the model's name as the provider's page gives it.
const ModelTitle = "NewReality Lightning SDXL"

// PricePerImageUSD is the provider's published price of one image
// (~$0.006 per 1024×1024 call on the model page). It is only ever used for
// estimates shown to a user, never for billing decisions.
const PricePerImageUSD = 0.006

// ExpectedInferenceTime is what the model page reports for one image
// (~2.93 s). The client's poll schedule starts from it until the server
// has reported real inference times.
const ExpectedInferenceTime = 2.93

// Kind is the JSON type of a request parameter.
type Kind int

const (
	KindString Kind = iota
	KindInteger
	KindNumber
	KindBool
)

// withArticle is the kind with its indefinite article, for messages.
func (k Kind) withArticle() string {
	if k == KindInteger {
		return "an integer"
	}
	return "a " + k.String()
}

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

// Param describes one request parameter of the model.
type Param struct {
	Name        string
	Kind        Kind
	Required    bool
	Default     any // string, int64, float64 or bool; nil when Required
	Min, Max    float64
	Ranged      bool     // Min and Max apply
	AllowedInts []int64  // the only integer values accepted, when set
	Allowed     []string // the only string values accepted, when set
	Description string
	// Transport marks a parameter that changes how the answer is encoded,
	// not which image is made (base64). It is no part of an image's
	// identity and cannot be set in a spec.
	Transport bool
}

// MaxSeed is the largest seed the model accepts; -1 asks for a random one.
const MaxSeed = 999999999999999

// Params is the model's request schema, in the order of the provider's
// page. It is the single source of truth for the spec language, the
// client's validation, the emulator's validation and the docs.
var Params = []Param{
	{Name: "prompt", Kind: KindString, Required: true,
		Description: "Prompt to render."},
	{Name: "negative_prompt", Kind: KindString, Default: "",
		Description: "What the image should not show. Empty means the server's own default (the parameter is not sent)."},
	{Name: "samples", Kind: KindInteger, Default: int64(1), Min: 1, Max: 4, Ranged: true,
		Description: "Number of images generated from one request."},
	{Name: "scheduler", Kind: KindString, Default: "DPM++ SDE", Allowed: SchedulerNames(),
		Description: "Sampler (scheduler) used for denoising."},
	{Name: "num_inference_steps", Kind: KindInteger, Default: int64(7), Min: 1, Max: 100, Ranged: true,
		Description: "Number of denoising steps."},
	{Name: "guidance_scale", Kind: KindNumber, Default: 1.4, Min: 1, Max: 25, Ranged: true,
		Description: "Scale for classifier-free guidance."},
	{Name: "seed", Kind: KindInteger, Default: int64(-1), Min: -1, Max: MaxSeed, Ranged: true,
		Description: "Seed for image generation; -1 asks the server for a random one."},
	{Name: "img_width", Kind: KindInteger, Default: int64(1024), AllowedInts: []int64{1024},
		Description: "Image width in pixels; can only be 1024 for SDXL."},
	{Name: "img_height", Kind: KindInteger, Default: int64(1024), AllowedInts: []int64{1024},
		Description: "Image height in pixels; can only be 1024 for SDXL."},
	{Name: "base64", Kind: KindBool, Default: false, Transport: true,
		Description: "Answer with base64 data instead of image bytes or URLs."},
}

// LookupParam returns the schema entry of a parameter by its API name.
func LookupParam(name string) (*Param, bool) {
	for i := range Params {
		if Params[i].Name == name {
			return &Params[i], true
		}
	}
	return nil, false
}

// ImageParamNames lists the parameters that decide which image is made:
// every parameter but the transport ones, in schema order.
func ImageParamNames() []string {
	var names []string
	for _, p := range Params {
		if !p.Transport {
			names = append(names, p.Name)
		}
	}
	return names
}

// ParamError says why one parameter value is not acceptable. Its Detail is
// a full sentence meant for a user; the spec language, the client and the
// emulator all show the same text.
type ParamError struct {
	Param  string
	Reason Reason
	Detail string
}

// Reason classifies a ParamError, so that a caller can title it.
type Reason string

const (
	ReasonUnknown    Reason = "unknown_parameter"
	ReasonType       Reason = "wrong_type"
	ReasonEmpty      Reason = "empty"
	ReasonNotWhole   Reason = "not_whole"
	ReasonOutOfRange Reason = "out_of_range"
	ReasonNotAllowed Reason = "not_allowed"
	ReasonControl    Reason = "control_character"
)

func (e *ParamError) Error() string { return e.Param + ": " + e.Detail }

// CheckInteger validates an integer value of the named parameter.
func CheckInteger(name string, v int64) *ParamError {
	p, ok := LookupParam(name)
	if !ok {
		return &ParamError{Param: name, Reason: ReasonUnknown, Detail: fmt.Sprintf("%q is not a parameter of %s.", name, Model)}
	}
	if p.Kind != KindInteger {
		return &ParamError{Param: name, Reason: ReasonType, Detail: fmt.Sprintf("%s must be %s.", name, p.Kind.withArticle())}
	}
	if len(p.AllowedInts) > 0 {
		for _, a := range p.AllowedInts {
			if a == v {
				return nil
			}
		}
		return &ParamError{Param: name, Reason: ReasonNotAllowed, Detail: fmt.Sprintf("%s must be %s for this model (got %d).", name, formatAllowedInts(p.AllowedInts), v)}
	}
	return checkRange(p, float64(v), strconv.FormatInt(v, 10))
}

// CheckNumber validates a value of the named parameter given as a number.
// Integer parameters accept only whole numbers.
func CheckNumber(name string, v float64) *ParamError {
	p, ok := LookupParam(name)
	if !ok {
		return &ParamError{Param: name, Reason: ReasonUnknown, Detail: fmt.Sprintf("%q is not a parameter of %s.", name, Model)}
	}
	switch p.Kind {
	case KindInteger:
		if v != math.Trunc(v) || math.IsInf(v, 0) || math.IsNaN(v) {
			return &ParamError{Param: name, Reason: ReasonNotWhole, Detail: fmt.Sprintf("%s must be a whole number (got %s).", name, formatNumber(v))}
		}
		if math.Abs(v) > 1<<53 {
			return checkRange(p, v, formatNumber(v))
		}
		return CheckInteger(name, int64(v))
	case KindNumber:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return &ParamError{Param: name, Reason: ReasonType, Detail: fmt.Sprintf("%s must be a finite number.", name)}
		}
		return checkRange(p, v, formatNumber(v))
	}
	return &ParamError{Param: name, Reason: ReasonType, Detail: fmt.Sprintf("%s must be %s.", name, p.Kind.withArticle())}
}

// CheckString validates a string value of the named parameter.
func CheckString(name string, v string) *ParamError {
	p, ok := LookupParam(name)
	if !ok {
		return &ParamError{Param: name, Reason: ReasonUnknown, Detail: fmt.Sprintf("%q is not a parameter of %s.", name, Model)}
	}
	if p.Kind != KindString {
		return &ParamError{Param: name, Reason: ReasonType, Detail: fmt.Sprintf("%s must be %s.", name, p.Kind.withArticle())}
	}
	if p.Required && strings.TrimSpace(v) == "" {
		return &ParamError{Param: name, Reason: ReasonEmpty, Detail: fmt.Sprintf("%s must not be empty.", name)}
	}
	if name == "scheduler" {
		return CheckScheduler(v)
	}
	if i := strings.IndexFunc(v, isForbiddenControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return &ParamError{Param: name, Reason: ReasonControl, Detail: fmt.Sprintf(
			"%s contains the control character %U at byte %d. The text is recorded in every image's metadata (the PNG text chunk), which cannot hold it; remove it (tabs and line breaks are fine).", name, r, i)}
	}
	if !utf8.ValidString(v) {
		return &ParamError{Param: name, Reason: ReasonControl, Detail: fmt.Sprintf("%s is not valid UTF-8 text.", name)}
	}
	return nil
}

// isForbiddenControl reports a control character text parameters may not
// hold: NUL and the rest of C0 but tab, line feed and carriage return,
// DEL, and C1.
func isForbiddenControl(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	}
	return false
}

func checkRange(p *Param, v float64, shown string) *ParamError {
	if !p.Ranged || (v >= p.Min && v <= p.Max) {
		return nil
	}
	return &ParamError{Param: p.Name, Reason: ReasonOutOfRange, Detail: fmt.Sprintf("%s must be between %s and %s (got %s).",
		p.Name, formatNumber(p.Min), formatNumber(p.Max), shown)}
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func formatAllowedInts(vs []int64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.FormatInt(v, 10)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "one of " + strings.Join(parts, ", ")
}
