package spec

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/imgform/imgform/internal/variant"
)

// Variant is a file derived from each of an image's samples: resized,
// cropped or padded, in a format of its own. It costs nothing: it is made
// from the image the API made, by imgform.
type Variant struct {
	// Name is the block's label, unique within its image.
	Name string
	// Spec holds the variant's attributes as written, its format taken
	// from the output's extension.
	Spec variant.Spec
	// Outputs are the variant's paths, one per sample of the image.
	Outputs []string
	// DeclRange is the range of the variant block's header.
	DeclRange hcl.Range
}

// The variant block's arguments.
const (
	attrWidth      = "width"
	attrHeight     = "height"
	attrFit        = "fit"
	attrAnchor     = "anchor"
	attrBackground = "background"
	attrUpscale    = "upscale"
	attrQuality    = "quality"
	attrLossless   = "lossless"
	// sampleVar is the variable a variant's output refers to for the
	// index of the sample it is derived from.
	sampleVar = "sample"
)

// VariantArgument describes one argument of the variant block, for the
// schema and the README's table of it.
type VariantArgument struct {
	Name    string
	Type    string // as the README shows it
	Default string // "" when it has none
	Doc     string
}

// VariantArguments are the variant block's arguments, in the order the
// README lists them.
func VariantArguments() []VariantArgument {
	return []VariantArgument{
		{attrOutput, "string", "", "The variant's path, relative to the configuration directory; its extension chooses the format: " + strings.Join(variant.Extensions(), ", ") + ". With `samples` > 1, a template with `${sample}` (0, 1, …) or `outputs`."},
		{attrOutputs, "list(string)", "", "One path per sample, instead of `output`."},
		{attrWidth, "number", "auto", fmt.Sprintf("Width in pixels, %d–%d. Unset: follows the aspect ratio (or the source's, when height is unset too).", variant.MinSide, variant.MaxSide)},
		{attrHeight, "number", "auto", fmt.Sprintf("Height in pixels, %d–%d. Unset: follows the aspect ratio.", variant.MinSide, variant.MaxSide)},
		{attrFit, "string", "cover", "With both width and height: `cover` (scale to cover, crop the rest), `contain` (scale to fit, pad with `background`) or `fill` (stretch)."},
		{attrAnchor, "string", "center", "What a cover crop keeps: `center`, `top`, `bottom`, `left`, `right`, `top-left`, `top-right`, `bottom-left`, `bottom-right`."},
		{attrBackground, "string", "transparent; white for JPEG", "The padding of `contain`: `#rgb`, `#rrggbb` or `#rrggbbaa`."},
		{attrUpscale, "bool", "false", "Allows a width or height larger than the image's (1024)."},
		{attrQuality, "number", "JPEG 85, WebP 75, AVIF 60", fmt.Sprintf("Quality of the lossy formats, %d–%d.", variant.MinQuality, variant.MaxQuality)},
		{attrLossless, "bool", "false", "Writes a lossless WebP."},
	}
}

var variantSchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, a := range VariantArguments() {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.Name})
	}
	return s
}()

var variantBlocks = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "variant", LabelNames: []string{"name"}}}}

// rawVariant is a variant evaluated but for the check of its output
// paths (finish does that, in order with the images').
type rawVariant struct {
	name string
	spec variant.Spec
	raws []rawOutput
	rng  hcl.Range
	inst string // the instance to name in a diagnostic about its paths
}

// variantDecls checks the blocks of an image block: variant blocks, and
// dynamic blocks that generate them.
func variantDecls(blocks hcl.Blocks) (has bool, diags hcl.Diagnostics) {
	for _, b := range blocks {
		switch b.Type {
		case "variant":
			has = true
			diags = append(diags, checkLabel("variant", b)...)
		case "dynamic":
			if b.Labels[0] != "variant" {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unsupported dynamic block",
					Detail:   fmt.Sprintf("A dynamic block in an image generates variant blocks; %q is not a block type an image has.", b.Labels[0]),
					Subject:  b.LabelRanges[0].Ptr(),
				})
				continue
			}
			has = true
		}
	}
	return has, diags
}

// variants evaluates the variant blocks of one instance of an image,
// dynamic ones expanded, in ctx (which holds each or count). samples is
// the image's number of samples, 0 when it is not known; src its size.
func (ev *evaluator) variants(decl *imageDecl, addr Address, ctx *hcl.EvalContext, samples int, src variant.Size, inst string) ([]rawVariant, hcl.Diagnostics) {
	content, _, diags := dynblock.Expand(decl.body, ctx).PartialContent(variantBlocks)
	for _, d := range diags {
		d.Detail = instPrefix(inst) + d.Detail
	}
	if diags.HasErrors() {
		return nil, diags
	}
	var out []rawVariant
	seen := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		name := b.Labels[0]
		if prev, ok := seen[name]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate variant",
				Detail:   instPrefix(inst) + fmt.Sprintf("%s already has a variant named %q, declared at %s. Variant names are unique within an image.", addr, name, posString(prev)),
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		seen[name] = b.DefRange
		if !hclsyntax.ValidIdentifier(name) {
			diags = append(diags, checkLabel("variant", b)...)
			continue
		}
		v, moreDiags := evalVariant(b, addr, ctx, samples, src, inst)
		diags = append(diags, moreDiags...)
		if !moreDiags.HasErrors() {
			out = append(out, v)
		}
	}
	return out, diags
}

// evalVariant evaluates one variant block.
func evalVariant(b *hcl.Block, addr Address, ctx *hcl.EvalContext, samples int, src variant.Size, inst string) (rawVariant, hcl.Diagnostics) {
	v := rawVariant{name: b.Labels[0], rng: b.DefRange, inst: inst}
	content, diags := b.Body.Content(variantSchema)
	if diags.HasErrors() {
		return v, diags
	}
	fail := func(rng hcl.Range, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: instPrefix(inst) + detail, Subject: rng.Ptr()})
	}
	value := func(name string, ty cty.Type, want string) (cty.Value, bool) {
		attr, ok := content.Attributes[name]
		if !ok {
			return cty.NilVal, false
		}
		val, moreDiags := attr.Expr.Value(ctx)
		if moreDiags.HasErrors() {
			for _, d := range moreDiags {
				d.Detail = instPrefix(inst) + d.Detail
			}
			diags = append(diags, moreDiags...)
			return cty.NilVal, false
		}
		if val.IsNull() {
			return cty.NilVal, false
		}
		if !val.IsWhollyKnown() {
			return cty.NilVal, false
		}
		conv, err := convert.Convert(val, ty)
		if err != nil {
			fail(attr.Expr.Range(), "Incorrect attribute value type", fmt.Sprintf("Inappropriate value for argument %q of variant %q: %s required, but got %s.", name, v.name, want, val.Type().FriendlyName()))
			return cty.NilVal, false
		}
		return conv, true
	}
	integer := func(name string) int {
		val, ok := value(name, cty.Number, "a whole number is")
		if !ok {
			return 0
		}
		bf := val.AsBigFloat()
		i, acc := bf.Int64()
		if acc != big.Exact || !bf.IsInt() {
			fail(content.Attributes[name].Expr.Range(), "Invalid value", fmt.Sprintf("The %s of variant %q must be a whole number; got %s.", name, v.name, bf.Text('g', -1)))
			return 0
		}
		if i == 0 || i < -1<<31 || i > 1<<31 {
			i = -1 // out of range, said so by Validate
		}
		return int(i)
	}
	str := func(name string) string {
		val, ok := value(name, cty.String, "a string is")
		if !ok {
			return ""
		}
		if val.AsString() == "" {
			fail(content.Attributes[name].Expr.Range(), "Invalid value", fmt.Sprintf("The %s of variant %q must not be empty; leave it out for its default.", name, v.name))
		}
		return val.AsString()
	}
	boolean := func(name string) bool {
		val, ok := value(name, cty.Bool, "a bool is")
		return ok && val.True()
	}
	v.spec = variant.Spec{
		Width:      integer(attrWidth),
		Height:     integer(attrHeight),
		Fit:        variant.Fit(str(attrFit)),
		Anchor:     variant.Anchor(str(attrAnchor)),
		Background: str(attrBackground),
		Upscale:    boolean(attrUpscale),
		Quality:    integer(attrQuality),
		Lossless:   boolean(attrLossless),
	}
	v.raws = variantOutputs(content.Attributes, v.name, b.DefRange, ctx, samples, inst, &diags)
	if diags.HasErrors() {
		return v, diags
	}
	// Every path of the variant is in one format: the spec has one.
	for i, r := range v.raws {
		f, err := variant.FormatOfPath(r.path)
		switch {
		case err != nil:
			// The path check says so, with the extensions there are.
		case i == 0:
			v.spec.Format = f
		case f != v.spec.Format:
			fail(r.rng, "Mixed variant formats", fmt.Sprintf("The paths of variant %q are in more than one format (%s and %s); a variant has one format. Declare a variant per format.", v.name, v.spec.Format, f))
		}
	}
	if v.spec.Format == 0 {
		return v, diags // an unsupported extension: reported with the path
	}
	for _, e := range variant.AttributeErrors(v.spec.Validate(src)) {
		rng := b.DefRange
		if attr, ok := content.Attributes[e.Attribute]; ok {
			rng = attr.Expr.Range()
		} else if e.Attribute == attrOutput {
			if attr, ok := content.Attributes[attrOutputs]; ok {
				rng = attr.Expr.Range()
			}
		}
		fail(rng, "Invalid variant", fmt.Sprintf("Variant %q: %s.", v.name, e.Message))
	}
	return v, diags
}

// variantOutputs reads a variant's output (a template, evaluated once per
// sample with sample set to its index) or outputs (one path per sample).
func variantOutputs(attrs hcl.Attributes, name string, blockRng hcl.Range, ctx *hcl.EvalContext, samples int, inst string, diags *hcl.Diagnostics) []rawOutput {
	one, hasOne := attrs[attrOutput]
	many, hasMany := attrs[attrOutputs]
	fail := func(rng hcl.Range, summary, detail string) []rawOutput {
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: instPrefix(inst) + detail, Subject: rng.Ptr()})
		return nil
	}
	switch {
	case hasOne && hasMany:
		return fail(many.Expr.Range(), "Conflicting output arguments", fmt.Sprintf(`Variant %q sets both "output" and "outputs"; set one.`, name))
	case hasMany:
		val, moreDiags := many.Expr.Value(ctx)
		*diags = append(*diags, moreDiags...)
		if moreDiags.HasErrors() {
			return nil
		}
		list, err := convert.Convert(val, cty.List(cty.String))
		if err != nil || list.IsNull() || !list.IsWhollyKnown() {
			return fail(many.Expr.Range(), "Incorrect attribute value type", fmt.Sprintf(`Inappropriate value for argument "outputs" of variant %q: a list of strings is required.`, name))
		}
		elems := list.AsValueSlice()
		if samples > 0 && len(elems) != samples {
			return fail(many.Expr.Range(), "Wrong number of output paths", fmt.Sprintf(`Variant %q has %d paths but the image makes %d samples; give exactly one path per sample.`, name, len(elems), samples))
		}
		var raws []rawOutput
		for _, el := range elems {
			if el.IsNull() {
				return fail(many.Expr.Range(), "Invalid output path", "An output path must not be null.")
			}
			raws = append(raws, rawOutput{path: el.AsString(), rng: many.Expr.Range()})
		}
		return raws
	case hasOne:
		usesSample := false
		for _, t := range one.Expr.Variables() {
			usesSample = usesSample || t.RootName() == sampleVar
		}
		if samples > 1 && !usesSample {
			return fail(one.Expr.Range(), "Too few output paths", fmt.Sprintf(`The image makes %d samples, and variant %q is derived from each, but its "output" names one file. Put ${sample} (0, 1, …) in the path, as in "assets/hero-${sample}.webp", or list the paths in "outputs".`, samples, name))
		}
		var raws []rawOutput
		for i := range max(samples, 1) {
			sctx := ctx.NewChild()
			sctx.Variables = map[string]cty.Value{sampleVar: cty.NumberIntVal(int64(i))}
			val, moreDiags := one.Expr.Value(sctx)
			if moreDiags.HasErrors() {
				*diags = append(*diags, moreDiags...)
				return nil
			}
			s, err := convert.Convert(val, cty.String)
			if err != nil || s.IsNull() || !s.IsWhollyKnown() {
				return fail(one.Expr.Range(), "Incorrect attribute value type", fmt.Sprintf(`Inappropriate value for argument "output" of variant %q: a string is required.`, name))
			}
			raws = append(raws, rawOutput{path: s.AsString(), rng: one.Expr.Range()})
		}
		return raws
	}
	return fail(blockRng, "Missing output path", fmt.Sprintf(`Variant %q must say where it is written: output = "assets/NAME.webp", its extension choosing the format.`, name))
}
