package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/imgform/imgform/segmind"
)

// maxBodyBytes bounds a request body; the provider's own long example is
// under 3 KiB.
const maxBodyBytes = 1 << 20

// bodyError is a request the emulator refuses before generating anything:
// 400 for a bad body or bad parameters, 413 for an oversized body.
type bodyError struct {
	status int
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

func badRequest(format string, args ...any) *bodyError {
	return &bodyError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// readRequest reads and validates the JSON body of a v1 or v2 generation
// request. Missing optional parameters take the schema's defaults; unknown
// fields are ignored; numbers and booleans sent as strings ("1", "true")
// are accepted, as the old official SDK sent them.
func readRequest(w http.ResponseWriter, r *http.Request) (segmind.Request, *bodyError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return segmind.Request{}, &bodyError{status: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("request body is larger than %d bytes", maxBodyBytes)}
		}
		return segmind.Request{}, badRequest("cannot read the request body: %v", err)
	}
	return decodeRequest(body)
}

// decodeRequest turns a request body into a validated segmind.Request. Every
// bad parameter is reported, in schema order, each as the text of a
// *segmind.ParamError ("name: detail"), joined by "; ".
func decodeRequest(body []byte) (segmind.Request, *bodyError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return segmind.Request{}, badRequest("request body is empty; send a JSON object with at least a prompt")
	}
	if !json.Valid(trimmed) {
		return segmind.Request{}, badRequest("request body is not valid JSON")
	}
	if trimmed[0] != '{' {
		return segmind.Request{}, badRequest("request body must be a JSON object (got %s)", describeJSON(trimmed))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return segmind.Request{}, badRequest("request body must be a JSON object: %v", err)
	}

	req := segmind.DefaultRequest("")
	var errs []*segmind.ParamError
	for i := range segmind.Params {
		p := &segmind.Params[i]
		raw, present := fields[p.Name]
		if present && string(bytes.TrimSpace(raw)) == "null" {
			present = false
		}
		if !present {
			if p.Required {
				errs = append(errs, &segmind.ParamError{Param: p.Name, Detail: p.Name + " is required."})
			}
			continue
		}
		if perr := setParam(&req, p, bytes.TrimSpace(raw)); perr != nil {
			errs = append(errs, perr)
		}
	}
	errs = mergeParamErrors(errs, req.Validate())
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return segmind.Request{}, badRequest("%s", strings.Join(msgs, "; "))
	}
	return req, nil
}

// setParam decodes one present parameter into req. Ranges and allowed
// values are left to segmind.Request.Validate; only the JSON type (and, for
// integers sent as non-integral numbers, segmind.CheckNumber) is checked
// here.
func setParam(req *segmind.Request, p *segmind.Param, raw json.RawMessage) *segmind.ParamError {
	switch p.Kind {
	case segmind.KindString:
		var v string
		if raw[0] != '"' || json.Unmarshal(raw, &v) != nil {
			return typeError(p, raw)
		}
		switch p.Name {
		case "prompt":
			req.Prompt = v
		case "negative_prompt":
			req.NegativePrompt = v
		case "scheduler":
			req.Scheduler = v
		default:
			return unsupportedParam(p)
		}
	case segmind.KindInteger:
		v, perr := integerValue(p, raw)
		if perr != nil {
			return perr
		}
		switch p.Name {
		case "samples":
			req.Samples = int(v)
		case "num_inference_steps":
			req.NumInferenceSteps = int(v)
		case "seed":
			req.Seed = v
		case "img_width":
			req.ImgWidth = int(v)
		case "img_height":
			req.ImgHeight = int(v)
		default:
			return unsupportedParam(p)
		}
	case segmind.KindNumber:
		text, ok := numberText(raw)
		if !ok {
			return typeError(p, raw)
		}
		v, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return typeError(p, raw)
		}
		if perr := segmind.CheckNumber(p.Name, v); perr != nil {
			return perr
		}
		if p.Name != "guidance_scale" {
			return unsupportedParam(p)
		}
		req.GuidanceScale = v
	case segmind.KindBool:
		var v bool
		switch strings.ToLower(string(raw)) {
		case "true", `"true"`:
			v = true
		case "false", `"false"`:
			v = false
		default:
			return typeError(p, raw)
		}
		if p.Name != "base64" {
			return unsupportedParam(p)
		}
		req.Base64 = v
	default:
		return unsupportedParam(p)
	}
	return nil
}

// integerValue reads an integer parameter sent as a JSON number or a
// numeric string. A non-integral or out-of-range number gets the schema's
// own message from segmind.CheckNumber.
func integerValue(p *segmind.Param, raw json.RawMessage) (int64, *segmind.ParamError) {
	text, ok := numberText(raw)
	if !ok {
		return 0, typeError(p, raw)
	}
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, typeError(p, raw)
	}
	if perr := segmind.CheckNumber(p.Name, f); perr != nil {
		return 0, perr
	}
	// CheckNumber accepts only whole numbers within the parameter's range,
	// all of which fit an int64 exactly.
	return int64(f), nil
}

// numberText returns the text of a JSON number, or of a JSON string that
// holds one (leniency for the old SDK, which sent "1").
func numberText(raw json.RawMessage) (string, bool) {
	switch c := raw[0]; {
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), true
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return "", false
		}
		return s, true
	}
	return "", false
}

func typeError(p *segmind.Param, raw json.RawMessage) *segmind.ParamError {
	return &segmind.ParamError{Param: p.Name,
		Detail: fmt.Sprintf("%s must be %s (got %s).", p.Name, withArticle(p.Kind.String()), describeJSON(raw))}
}

// unsupportedParam reports a schema parameter this emulator does not know
// how to store: package segmind gained a parameter that Request or this
// file does not have yet. It is answered 400, never 500.
func unsupportedParam(p *segmind.Param) *segmind.ParamError {
	return &segmind.ParamError{Param: p.Name, Detail: fmt.Sprintf("%s is not supported by the imgform emulator.", p.Name)}
}

func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// describeJSON names the type of a JSON value for an error message, with
// a short quote of strings and numbers.
func describeJSON(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	quote := func(s string) string {
		if r := []rune(s); len(r) > 40 {
			s = string(r[:40]) + "…"
		}
		return s
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return "the string " + strconv.Quote(quote(s))
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return "the number " + quote(string(raw))
	}
}

// mergeParamErrors adds the *segmind.ParamError values joined in err to
// errs, keeping the first error of each parameter, in schema order.
func mergeParamErrors(errs []*segmind.ParamError, err error) []*segmind.ParamError {
	if err != nil {
		var all []error
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			all = joined.Unwrap()
		} else {
			all = []error{err}
		}
		for _, e := range all {
			if pe, ok := errors.AsType[*segmind.ParamError](e); ok {
				errs = append(errs, pe)
			} else {
				errs = append(errs, &segmind.ParamError{Param: "request", Detail: e.Error()})
			}
		}
	}
	order := func(name string) int {
		for i, p := range segmind.Params {
			if p.Name == name {
				return i
			}
		}
		return len(segmind.Params)
	}
	slices.SortStableFunc(errs, func(a, b *segmind.ParamError) int { return order(a.Param) - order(b.Param) })
	return slices.CompactFunc(errs, func(a, b *segmind.ParamError) bool { return a.Param == b.Param })
}
