package spec

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// maxInstances bounds count and for_each per image block, so that a typo
// such as count = 1e9 is an error rather than an exhausted machine, while
// catalogs of a hundred thousand images stay well inside it.
const maxInstances = 1_000_000

// instance is one expansion of an image block.
type instance struct {
	Addr Address   // of a count instance: its index is count.index
	Each cty.Value // each object, or cty.NilVal
}

// expand evaluates an image block's for_each or count into its instances.
func expand(img *imageDecl, sc scope, ctx *hcl.EvalContext) ([]instance, hcl.Diagnostics) {
	switch {
	case img.ForEach != nil:
		return expandForEach(img, sc, ctx)
	case img.Count != nil:
		return expandCount(img, sc, ctx)
	}
	return []instance{{Addr: Address{Name: img.Name}}}, nil
}

// metaArg evaluates a for_each or count expression. ok is false when it
// could not be evaluated (the diagnostics say why); invalid reports a
// value of the wrong kind, with the expression and its context attached
// so that the renderer can show the values involved.
func metaArg(expr hcl.Expression, name string, sc scope, ctx *hcl.EvalContext) (val cty.Value, ok bool, diags hcl.Diagnostics, invalid func(detail string) ([]instance, hcl.Diagnostics)) {
	sc.where = "a " + name + " argument"
	if diags := checkRefs(expr, sc); diags.HasErrors() {
		return cty.NilVal, false, diags, nil
	}
	val, diags = expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, false, diags, nil
	}
	invalid = func(detail string) ([]instance, hcl.Diagnostics) {
		return nil, append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     "Invalid " + name + " argument",
			Detail:      detail,
			Subject:     expr.Range().Ptr(),
			Expression:  expr,
			EvalContext: ctx,
		})
	}
	return val, true, diags, invalid
}

func expandForEach(img *imageDecl, sc scope, ctx *hcl.EvalContext) ([]instance, hcl.Diagnostics) {
	val, ok, diags, invalid := metaArg(img.ForEach.Expr, "for_each", sc, ctx)
	if !ok {
		return nil, diags
	}
	ty := val.Type()
	switch {
	case val.IsNull():
		return invalid(`The given "for_each" argument value is null. A map, or a set of strings, is allowed.`)
	case !val.IsWhollyKnown():
		// Only a variable or local whose own error was already reported
		// is unknown; a second message about it would be noise.
		return nil, diags
	case (ty.IsMapType() || ty.IsSetType() || ty.IsObjectType()) && val.LengthInt() > maxInstances:
		// Refused before an instance is made of any element.
		return invalid(fmt.Sprintf("The for_each value has %d elements; at most %d images are allowed per block.", val.LengthInt(), maxInstances))
	case ty.IsMapType() || ty.IsObjectType():
		var out []instance
		for it := val.ElementIterator(); it.Next(); {
			k, v := it.Element()
			key := k.AsString()
			out = append(out, instance{
				Addr: Address{Name: img.Name, Kind: StringKey, StrKey: key},
				Each: cty.ObjectVal(map[string]cty.Value{"key": k, "value": compactNumber(v)}),
			})
		}
		return out, diags
	case ty.IsSetType():
		if !ty.ElementType().Equals(cty.String) {
			return invalid(fmt.Sprintf(`The given "for_each" argument value is a set of %s. A set used in for_each must hold strings: each key of an image must be a string. Convert the elements with tostring(), or build a map.`, ty.ElementType().FriendlyName()))
		}
		var out []instance
		for it := val.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return invalid(`The given "for_each" set holds a null value; every key must be a string.`)
			}
			out = append(out, instance{
				Addr: Address{Name: img.Name, Kind: StringKey, StrKey: v.AsString()},
				Each: cty.ObjectVal(map[string]cty.Value{"key": v, "value": v}),
			})
		}
		return out, diags
	case ty.IsListType() || ty.IsTupleType():
		return invalid(fmt.Sprintf(`The given "for_each" argument value is a %s. A map, or a set of strings, is allowed: a list has no keys to address its images by. Use toset() for a list of distinct strings.`, ty.FriendlyName()))
	}
	return invalid(fmt.Sprintf(`The given "for_each" argument value is a %s. A map, or a set of strings, is allowed.`, ty.FriendlyName()))
}

func expandCount(img *imageDecl, sc scope, ctx *hcl.EvalContext) ([]instance, hcl.Diagnostics) {
	val, ok, diags, invalid := metaArg(img.Count.Expr, "count", sc, ctx)
	if !ok {
		return nil, diags
	}
	if !val.IsWhollyKnown() {
		return nil, diags // see expandForEach
	}
	if val.IsNull() {
		return invalid(`The given "count" argument value is null. A whole number is required.`)
	}
	num, err := convertNumber(val)
	if err != nil {
		return invalid(fmt.Sprintf(`The given "count" argument value is a %s. A whole number is required.`, val.Type().FriendlyName()))
	}
	n, acc := num.Int64()
	switch {
	case !num.IsInt() || acc != big.Exact:
		return invalid(fmt.Sprintf(`The given "count" argument value is %s. A whole number is required.`, num.Text('f', -1)))
	case n < 0:
		return invalid(`The given "count" argument value is negative. Zero or more is required.`)
	case n > maxInstances:
		return invalid(fmt.Sprintf(`The given "count" argument value is %d; at most %d images are allowed per block.`, n, maxInstances))
	}
	out := make([]instance, n)
	for i := range out {
		// The count object is made when the instance is evaluated:
		// made here, 100,000 of them would be held at once.
		out[i] = instance{Addr: Address{Name: img.Name, Kind: IntKey, IntKey: i}}
	}
	return out, diags
}

// compactNumber returns a whole number that fits in 64 bits with 64-bit
// precision. cty's arithmetic yields 512-bit numbers, whose conversion to
// text (in "${each.value}") costs tens of microseconds each; the value is
// the same, and ten thousand instances are planned in a fraction of the
// time.
func compactNumber(v cty.Value) cty.Value {
	if v.Type() != cty.Number || v.IsNull() || !v.IsKnown() || v.IsMarked() {
		return v
	}
	bf := v.AsBigFloat()
	if !bf.IsInt() {
		return v
	}
	if i, acc := bf.Int64(); acc == big.Exact {
		return cty.NumberIntVal(i)
	}
	return v
}
