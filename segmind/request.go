package segmind

import (
	"errors"
)

// Request is the JSON body of a generation request, the same for the v1
// sync and the v2 async endpoint.
type Request struct {
	Prompt            string  `json:"prompt"`
	NegativePrompt    string  `json:"negative_prompt,omitempty"`
	Samples           int     `json:"samples"`
	Scheduler         string  `json:"scheduler"`
	NumInferenceSteps int     `json:"num_inference_steps"`
	GuidanceScale     float64 `json:"guidance_scale"`
	Seed              int64   `json:"seed"`
	ImgWidth          int     `json:"img_width"`
	ImgHeight         int     `json:"img_height"`
	Base64            bool    `json:"base64"`
}

// DefaultRequest returns a request with every optional parameter at the
// model's documented default and the given prompt.
func DefaultRequest(prompt string) Request {
	return Request{
		Prompt:            prompt,
		NegativePrompt:    defaultOf("negative_prompt").(string),
		Samples:           int(defaultOf("samples").(int64)),
		Scheduler:         defaultOf("scheduler").(string),
		NumInferenceSteps: int(defaultOf("num_inference_steps").(int64)),
		GuidanceScale:     defaultOf("guidance_scale").(float64),
		Seed:              defaultOf("seed").(int64),
		ImgWidth:          int(defaultOf("img_width").(int64)),
		ImgHeight:         int(defaultOf("img_height").(int64)),
		Base64:            defaultOf("base64").(bool),
	}
}

func defaultOf(name string) any {
	p, ok := LookupParam(name)
	if !ok {
		panic("segmind: no parameter " + name + " in the schema; this is a bug in imgform")
	}
	return p.Default
}

// Validate checks every parameter against the schema. The error joins one
// *ParamError per bad parameter, in schema order.
func (r Request) Validate() error {
	var errs []error
	add := func(e *ParamError) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	add(CheckString("prompt", r.Prompt))
	add(CheckString("negative_prompt", r.NegativePrompt))
	add(CheckInteger("samples", int64(r.Samples)))
	add(CheckString("scheduler", r.Scheduler))
	add(CheckInteger("num_inference_steps", int64(r.NumInferenceSteps)))
	add(CheckNumber("guidance_scale", r.GuidanceScale))
	add(CheckInteger("seed", r.Seed))
	add(CheckInteger("img_width", int64(r.ImgWidth)))
	add(CheckInteger("img_height", int64(r.ImgHeight)))
	return errors.Join(errs...)
}
