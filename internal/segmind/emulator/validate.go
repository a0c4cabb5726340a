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

	"github.com/imgform/imgform/internal/model"
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

// decoded is a validated generation request: the image's request, and
// whether the answer is asked for as base64.
type decoded struct {
	req    model.Request
	base64 bool
}

// readRequest reads and validates the JSON body of a v1 or v2 generation
// request. Missing optional parameters take the schema's defaults; unknown
// fields are ignored; numbers and booleans sent as strings ("1", "true")
// are accepted, as the old official SDK sent them.
func readRequest(w http.ResponseWriter, r *http.Request) (decoded, *bodyError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return decoded{}, &bodyError{status: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("request body is larger than %d bytes", maxBodyBytes)}
		}
		return decoded{}, badRequest("cannot read the request body: %v", err)
	}
	return decodeRequest(body)
}

// schema is the model the emulator serves.
var schema = model.NewRealityLightning

// decodeRequest turns a request body into a validated request. Every bad
// parameter is reported, in schema order, each as the text of a
// *model.ParamError ("name: detail"), joined by "; ".
func decodeRequest(body []byte) (decoded, *bodyError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return decoded{}, badRequest("request body is empty; send a JSON object with at least a prompt")
	}
	if !json.Valid(trimmed) {
		return decoded{}, badRequest("request body is not valid JSON")
	}
	if trimmed[0] != '{' {
		return decoded{}, badRequest("request body must be a JSON object (got %s)", describeJSON(trimmed))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		return decoded{}, badRequest("request body must be a JSON object: %v", err)
	}

	d := decoded{req: model.NewRequest(schema)}
	var errs []*model.ParamError
	for i := range schema.Params {
		p := &schema.Params[i]
		raw, present := fields[p.Name]
		if present && string(bytes.TrimSpace(raw)) == "null" {
			present = false
		}
		if !present {
			if p.Required {
				errs = append(errs, &model.ParamError{Param: p.Name, Reason: model.ReasonRequired, Detail: p.Name + " is required."})
			}
			continue
		}
		v, perr := valueOf(p, bytes.TrimSpace(raw))
		switch {
		case perr != nil:
			errs = append(errs, perr)
		case p.Transport:
			d.base64 = v.Truth()
		default:
			d.req = d.req.With(p.Name, v)
		}
	}
	errs = mergeParamErrors(errs, d.req.Validate())
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return decoded{}, badRequest("%s", strings.Join(msgs, "; "))
	}
	return d, nil
}

// valueOf decodes one present parameter. Ranges and allowed values are
// left to the request's Validate; only the JSON type (and, for integers
// sent as non-integral numbers, the schema's CheckNumber) is checked here.
func valueOf(p *model.Param, raw json.RawMessage) (model.Value, *model.ParamError) {
	switch p.Kind {
	case model.KindString:
		var v string
		if raw[0] != '"' || json.Unmarshal(raw, &v) != nil {
			return model.Value{}, typeError(p, raw)
		}
		return model.String(v), nil
	case model.KindInteger:
		v, perr := integerValue(p, raw)
		if perr != nil {
			return model.Value{}, perr
		}
		return model.Int(v), nil
	case model.KindNumber:
		text, ok := numberText(raw)
		if !ok {
			return model.Value{}, typeError(p, raw)
		}
		v, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return model.Value{}, typeError(p, raw)
		}
		if perr := schema.CheckNumber(p.Name, v); perr != nil {
			return model.Value{}, perr
		}
		return model.Number(v), nil
	case model.KindBool:
		switch strings.ToLower(string(raw)) {
		case "true", `"true"`:
			return model.Bool(true), nil
		case "false", `"false"`:
			return model.Bool(false), nil
		}
		return model.Value{}, typeError(p, raw)
	}
	return model.Value{}, &model.ParamError{Param: p.Name, Detail: fmt.Sprintf("%s is not supported by the imgform emulator.", p.Name)}
}

// integerValue reads an integer parameter sent as a JSON number or a
// numeric string. A non-integral or out-of-range number gets the schema's
// own message from CheckNumber.
func integerValue(p *model.Param, raw json.RawMessage) (int64, *model.ParamError) {
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
	if perr := schema.CheckNumber(p.Name, f); perr != nil {
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

func typeError(p *model.Param, raw json.RawMessage) *model.ParamError {
	return &model.ParamError{Param: p.Name, Reason: model.ReasonType,
		Detail: fmt.Sprintf("%s must be %s (got %s).", p.Name, withArticle(p.Kind.String()), describeJSON(raw))}
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

// mergeParamErrors adds the errors of the request's validation to errs,
// keeping the first error of each parameter, in schema order.
func mergeParamErrors(errs, more []*model.ParamError) []*model.ParamError {
	errs = append(errs, more...)
	order := func(name string) int {
		for i, p := range schema.Params {
			if p.Name == name {
				return i
			}
		}
		return len(schema.Params)
	}
	slices.SortStableFunc(errs, func(a, b *model.ParamError) int { return order(a.Param) - order(b.Param) })
	return slices.CompactFunc(errs, func(a, b *model.ParamError) bool { return a.Param == b.Param })
}
