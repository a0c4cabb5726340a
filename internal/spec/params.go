package spec

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgform/imgform/internal/model"
)

// setParam decodes one evaluated parameter value into the request,
// checking its type and the model's range for it, and sets it in req, a
// request being built (see model.Request.Set).
func setParam(req *model.Request, name string, val cty.Value, expr hcl.Expression, ctx *hcl.EvalContext, inst string) hcl.Diagnostics {
	s := req.Schema()
	p, ok := s.Param(name)
	if !ok {
		return hcl.Diagnostics{bug(fmt.Sprintf("parameter %q is not in the schema", name), expr.Range())}
	}
	typeErr := func(want string) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity:    hcl.DiagError,
			Summary:     "Incorrect attribute value type",
			Detail:      instPrefix(inst) + fmt.Sprintf("Inappropriate value for argument %q: %s required, but got %s.", name, want, val.Type().FriendlyName()),
			Subject:     expr.Range().Ptr(),
			Expression:  expr,
			EvalContext: ctx,
		}}
	}
	switch p.Kind {
	case model.KindString:
		str, err := convert.Convert(val, cty.String)
		if err != nil {
			return typeErr("a string is")
		}
		v := model.String(str.AsString())
		if perr := s.Check(name, v); perr != nil {
			return paramDiag(s, perr, expr, ctx, inst)
		}
		req.Set(name, v)
		return nil
	case model.KindInteger, model.KindNumber:
		num, err := convertNumber(val)
		if err != nil {
			return typeErr("a number is")
		}
		f, _ := num.Float64()
		if math.IsInf(f, 0) && !num.IsInf() {
			// Too large for a float64: the schema would call it +Inf.
			return paramDiag(s, tooLarge(p, num), expr, ctx, inst)
		}
		if perr := s.CheckNumber(name, f); perr != nil {
			return paramDiag(s, perr, expr, ctx, inst)
		}
		if p.Kind == model.KindInteger {
			req.Set(name, model.Int(int64(f)))
			return nil
		}
		req.Set(name, model.Number(f))
		return nil
	case model.KindBool:
		b, err := convert.Convert(val, cty.Bool)
		if err != nil {
			return typeErr("a bool is")
		}
		req.Set(name, model.Bool(b.True()))
		return nil
	}
	return hcl.Diagnostics{bug(fmt.Sprintf("parameter %q has a kind the language cannot set", name), expr.Range())}
}

// tooLarge is the verdict on a number beyond the range of a float64.
func tooLarge(p *model.Param, num *big.Float) *model.ParamError {
	allowed := ""
	switch {
	case p.Ranged:
		allowed = fmt.Sprintf(" It must be between %s and %s.", formatFloat(p.Min), formatFloat(p.Max))
	case len(p.AllowedInts) == 1:
		allowed = fmt.Sprintf(" It must be %d.", p.AllowedInts[0])
	case len(p.AllowedInts) > 1:
		allowed = fmt.Sprintf(" It must be one of %v.", p.AllowedInts)
	}
	return &model.ParamError{
		Param:  p.Name,
		Reason: model.ReasonOutOfRange,
		Detail: fmt.Sprintf("%s = %s is far outside what this model accepts.%s", p.Name, num.Text('g', 6), allowed),
	}
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// paramDiag turns the schema's verdict into a diagnostic, titled by why
// the value was refused; the detail is the schema's own sentence.
func paramDiag(s *model.Schema, perr *model.ParamError, expr hcl.Expression, ctx *hcl.EvalContext, inst string) hcl.Diagnostics {
	summary := "Invalid parameter value"
	p, _ := s.Param(perr.Param)
	switch {
	case perr.Reason == model.ReasonNotAllowed && p != nil && len(p.Allowed) > 0:
		summary = "Unknown " + p.Name // "Unknown scheduler"
	case perr.Reason == model.ReasonNotAllowed && p != nil && (p.Role == model.RoleWidth || p.Role == model.RoleHeight):
		summary = "Unsupported image size"
	case perr.Reason == model.ReasonOutOfRange:
		summary = "Value out of range"
	case perr.Reason == model.ReasonControl:
		summary = "Invalid character in text"
	}
	detail := instPrefix(inst) + perr.Detail
	return hcl.Diagnostics{{
		Severity:    hcl.DiagError,
		Summary:     summary,
		Detail:      detail,
		Subject:     expr.Range().Ptr(),
		Expression:  expr,
		EvalContext: ctx,
	}}
}

func convertNumber(val cty.Value) (*big.Float, error) {
	n, err := convert.Convert(val, cty.Number)
	if err != nil {
		return nil, err
	}
	if n.IsNull() || !n.IsKnown() {
		return nil, fmt.Errorf("no number")
	}
	return n.AsBigFloat(), nil
}

func bug(what string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Internal error",
		Detail:   what + ". This is a bug in imgform.",
		Subject:  rng.Ptr(),
	}
}

// instPrefix names the instance a diagnostic is about when its block
// expands into several, since they all share the block's source range.
func instPrefix(inst string) string {
	if inst == "" {
		return ""
	}
	return "In " + inst + ": "
}
