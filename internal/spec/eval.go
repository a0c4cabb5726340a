package spec

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/parallel"
	"github.com/imgform/imgform/internal/variant"
)

// evaluator turns the decoded module into resolved images.
type evaluator struct {
	ctx     context.Context // ends the evaluation early (Ctrl-C)
	m       *module
	base    *hcl.EvalContext
	outputs *outputChecker
}

// evaluated is an attribute's value. A value whose evaluation failed is
// not ok: its error was reported, and the image it belongs to is dropped
// without further messages about it.
type evaluated struct {
	val  cty.Value
	expr hcl.Expression
	ok   bool
	// perInstance is set for a value that depends on each or count: its
	// diagnostics name the instance, while a problem with a value shared
	// by every instance is reported once, for the block.
	perInstance bool
}

// newEvaluated records an attribute's value. A value that is not wholly
// known is not ok either: the language has no source of unknown values
// but the stand-ins for variables and locals whose own errors were
// already reported (a required variable without a value, a cycle), and
// reading one would panic.
func newEvaluated(val cty.Value, expr hcl.Expression, diags hcl.Diagnostics) evaluated {
	return evaluated{val: val, expr: expr, ok: !diags.HasErrors() && val.IsWhollyKnown()}
}

func newEvaluator(ctx context.Context, m *module, dir string, vars, locals cty.Value, funcs map[string]function.Function) *evaluator {
	return &evaluator{
		ctx: ctx,
		m:   m,
		base: &hcl.EvalContext{
			Variables: map[string]cty.Value{"var": vars, "local": locals, "path": pathObject},
			Functions: funcs,
		},
		outputs: newOutputChecker(dir),
	}
}

// eval checks an attribute's references and evaluates it.
func eval(attr *hcl.Attribute, sc scope, ctx *hcl.EvalContext) (evaluated, hcl.Diagnostics) {
	if diags := checkRefs(attr.Expr, sc); diags.HasErrors() {
		return evaluated{expr: attr.Expr}, diags
	}
	val, diags := attr.Expr.Value(ctx)
	return newEvaluated(val, attr.Expr, diags), diags
}

func (ev *evaluator) images() ([]*Image, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	defaults := map[string]evaluated{}
	if d := ev.m.defaults; d != nil {
		sc := scope{variables: ev.m.variables, locals: ev.m.locals, where: "the defaults block"}
		for _, name := range keysOf(d.Attrs) {
			e, moreDiags := eval(d.Attrs[name], sc, ev.base)
			diags = append(diags, moreDiags...)
			defaults[name] = e
		}
	}

	var out []*Image
	for _, decl := range ev.m.images {
		if ev.ctx.Err() != nil {
			break
		}
		imgs, moreDiags := ev.block(decl, defaults)
		diags = append(diags, moreDiags...)
		out = append(out, imgs...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr.Compare(out[j].Addr) < 0 })
	return out, diags
}

// block evaluates one image block into its images.
func (ev *evaluator) block(decl *imageDecl, defaults map[string]evaluated) ([]*Image, hcl.Diagnostics) {
	sc := scope{
		variables: ev.m.variables,
		locals:    ev.m.locals,
		each:      decl.ForEach != nil,
		count:     decl.Count != nil,
		where:     fmt.Sprintf("image %q", decl.Name),
	}
	insts, diags := expand(decl, sc, ev.base)
	if diags.HasErrors() {
		return nil, diags
	}

	// Attributes that do not depend on the instance are evaluated once
	// for the block; the others once per instance.
	static := map[string]evaluated{}
	var dynamic []string
	for _, name := range keysOf(decl.Attrs) {
		attr := decl.Attrs[name]
		if refersToInstance(attr.Expr) {
			if refDiags := checkRefs(attr.Expr, sc); refDiags.HasErrors() {
				diags = append(diags, refDiags...)
				static[name] = evaluated{expr: attr.Expr}
				continue
			}
			dynamic = append(dynamic, name)
			continue
		}
		e, moreDiags := eval(attr, sc, ev.base)
		diags = append(diags, moreDiags...)
		static[name] = e
	}
	diags = append(diags, sharedOutputs(decl, len(insts), static)...)

	var out []*Image
	for start := 0; start < len(insts); start += instanceBatch {
		if ev.ctx.Err() != nil {
			break
		}
		batch := ev.instances(decl, insts[start:min(start+instanceBatch, len(insts))], static, dynamic, defaults)
		for i := range batch {
			img, moreDiags := ev.finish(&batch[i])
			diags = append(diags, moreDiags...)
			if img != nil {
				out = append(out, img)
			}
		}
	}
	return out, diags
}

// instanceBatch is how many instances are evaluated between two checks
// for the end of the evaluation (Ctrl-C), and between two rounds of
// output checks.
const instanceBatch = 1024

// instancesPerWorker is the least number of instances worth a goroutine
// of their own.
const instancesPerWorker = 64

// instances evaluates a batch of one block's instances, in parallel
// across the cores: each has its own evaluation context, and reads only
// what is shared (the module, the block's static values, the defaults).
// Their outputs are checked afterwards, in order, by finish.
func (ev *evaluator) instances(decl *imageDecl, insts []instance, static map[string]evaluated, dynamic []string, defaults map[string]evaluated) []pending {
	out := make([]pending, len(insts))
	parallel.Ranges(len(insts), instancesPerWorker, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = ev.instance(decl, insts[i], static, dynamic, defaults)
		}
	})
	return out
}

// instance evaluates one instance: the attributes that depend on it, in
// a context of its own, then its request and output paths.
func (ev *evaluator) instance(decl *imageDecl, inst instance, static map[string]evaluated, dynamic []string, defaults map[string]evaluated) pending {
	ctx := ev.base
	vals := static
	var diags hcl.Diagnostics
	if len(dynamic) > 0 || decl.hasVariants {
		ctx = ev.base.NewChild()
		ctx.Variables = map[string]cty.Value{}
		if inst.Each != cty.NilVal {
			ctx.Variables["each"] = inst.Each
		}
		if decl.Count != nil {
			ctx.Variables["count"] = cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(int64(inst.Addr.IntKey))})
		}
	}
	if len(dynamic) > 0 {
		vals = make(map[string]evaluated, len(static)+len(dynamic))
		for n, e := range static {
			vals[n] = e
		}
		for _, name := range dynamic {
			attr := decl.Attrs[name]
			val, moreDiags := attr.Expr.Value(ctx)
			for _, d := range moreDiags {
				d.Detail = instPrefix(inst.Addr.String()) + d.Detail
			}
			diags = append(diags, moreDiags...)
			e := newEvaluated(val, attr.Expr, moreDiags)
			e.perInstance = true
			vals[name] = e
		}
	}
	p := ev.resolve(decl, inst.Addr, vals, defaults, ctx)
	p.diags = append(diags, p.diags...)
	return p
}

// pending is an instance evaluated but for the check of its output
// paths, which depends on the outputs of every instance before it.
type pending struct {
	addr     Address
	img      *Image // without its outputs; nil when the image is dropped
	diags    hcl.Diagnostics
	raws     []rawOutput  // the output paths to check, in order
	outInst  string       // the instance to name in an output's diagnostic
	variants []rawVariant // the variants, their paths to check
}

// finish checks a pending instance's output paths, in declaration order
// across the configuration, and returns its image (nil when it is
// dropped) and all of its diagnostics.
func (ev *evaluator) finish(p *pending) (*Image, hcl.Diagnostics) {
	diags := p.diags
	var outputs []string
	var failed bool
	for _, r := range p.raws {
		path, moreDiags := ev.outputs.check(r.path, p.addr, r.rng, p.outInst)
		diags = append(diags, moreDiags...)
		failed = failed || moreDiags.HasErrors()
		outputs = append(outputs, path)
	}
	var variants []Variant
	for _, v := range p.variants {
		out := Variant{Name: v.name, Spec: v.spec, DeclRange: v.rng}
		for _, r := range v.raws {
			path, moreDiags := ev.outputs.checkVariant(r.path, p.addr, v.name, r.rng, v.inst)
			diags = append(diags, moreDiags...)
			failed = failed || moreDiags.HasErrors()
			out.Outputs = append(out.Outputs, path)
		}
		variants = append(variants, out)
	}
	if p.img == nil || failed {
		return nil, diags
	}
	p.img.Outputs = outputs
	p.img.Variants = variants
	return p.img, diags
}

// sharedOutputs reports an output that does not depend on the instance in
// a block with several instances: they would all write the same file. It
// is reported once for the block, and the output is marked as failed so
// that no instance reports it again.
func sharedOutputs(decl *imageDecl, n int, static map[string]evaluated) hcl.Diagnostics {
	if n < 2 {
		return nil
	}
	key := "each.key"
	if decl.Count != nil {
		key = "count.index"
	}
	var diags hcl.Diagnostics
	for _, name := range []string{attrOutput, attrOutputs} {
		e, ok := static[name]
		if !ok || !e.ok || e.val.IsNull() {
			continue
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate output path",
			Detail: fmt.Sprintf("The %q argument of image.%s does not depend on %s, so all %d of its instances would write the same file. Include %s in the path, as in output = \"assets/${%s}.png\".",
				name, decl.Name, key, n, key, key),
			Subject: e.expr.Range().Ptr(),
		})
		e.ok = false // reported
		static[name] = e
	}
	return diags
}

func refersToInstance(expr hcl.Expression) bool {
	for _, t := range expr.Variables() {
		if r := t.RootName(); r == "each" || r == "count" {
			return true
		}
	}
	return false
}

// resolve builds one image from its evaluated attributes, the defaults
// block and the model's defaults, all but the check of its output paths
// (finish does that). Its image is nil when anything about it is in
// error.
func (ev *evaluator) resolve(decl *imageDecl, addr Address, vals, defaults map[string]evaluated, ctx *hcl.EvalContext) pending {
	var diags hcl.Diagnostics
	inst := ""
	if addr.Kind != NoKey {
		inst = addr.String()
	}
	// instOf names the instance in a diagnostic only when one of the
	// values it is about differs between instances.
	instOf := func(es ...evaluated) string {
		for _, e := range es {
			if e.perInstance {
				return inst
			}
		}
		return ""
	}
	schema := ev.m.schema
	req := model.NewRequest(schema)
	failed := false
	set := map[string]bool{}
	var samplesVal evaluated
	for _, p := range schema.ImageParams() {
		name := p.Name
		e, ok := vals[name]
		if !ok || (e.ok && e.val.IsNull()) {
			e, ok = defaults[name] // null in the image means "not set"
		}
		if !ok || (e.ok && e.val.IsNull()) {
			continue
		}
		if !e.ok {
			failed = true
			continue
		}
		set[name] = true
		if p.Role == model.RoleSamples {
			samplesVal = e
		}
		ectx := ev.base
		if e.perInstance {
			ectx = ctx
		}
		moreDiags := setParam(&req, name, e.val, e.expr, ectx, instOf(e))
		diags = append(diags, moreDiags...)
		failed = failed || moreDiags.HasErrors()
	}
	for _, p := range schema.ImageParams() {
		if !p.Required || set[p.Name] || failed {
			continue
		}
		if !decl.malformed {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   instPrefix(instOf(vals[p.Name])) + fmt.Sprintf("The argument %q is required, but no definition was found in the image block or the defaults block.", p.Name),
				Subject:  decl.DeclRange.Ptr(),
			})
		}
		// Without a prompt there is no image, even when the likely cause
		// (a misspelled argument) was reported instead.
		failed = true
	}

	origin := SeedDerived
	if seed := schema.ByRole(model.RoleSeed); seed != nil {
		switch {
		case !set[seed.Name]:
			req.Set(seed.Name, model.Int(deriveSeedFor(schema, addr)))
		case req.Seed() == -1:
			origin = SeedRandom
		default:
			origin = SeedExplicit
		}
	}

	candidates := 0
	if e, ok := vals[attrCandidates]; ok && (!e.ok || !e.val.IsNull()) {
		n, moreDiags := candidatesOf(e, origin, instOf(e))
		diags = append(diags, moreDiags...)
		failed = failed || !e.ok || moreDiags.HasErrors()
		candidates = n
	}

	samples := req.Samples()
	if failed {
		samples = 0 // unknown: do not count outputs against a bad samples value
	}
	raws, outInst, ok, moreDiags := rawOutputs(decl, samples, samplesVal.perInstance, vals, inst)
	diags = append(diags, moreDiags...)
	p := pending{addr: addr, diags: diags, raws: raws, outInst: outInst}
	if decl.hasVariants {
		variants, vdiags := ev.variants(decl, addr, ctx, samples, variant.Size{Width: req.Width(), Height: req.Height()}, inst)
		p.diags = append(p.diags, vdiags...)
		p.variants = variants
		failed = failed || vdiags.HasErrors()
	}
	if !failed && ok && !moreDiags.HasErrors() {
		p.img = &Image{Addr: addr, Request: req, SeedOrigin: origin, DeclRange: decl.DeclRange, Candidates: candidates}
	}
	return p
}

// rawOutputs reads output or outputs into the paths to check. ok is
// false when the image has no valid outputs, whether or not that produced
// a diagnostic here. samples is 0 when it is not known.
//
// A message names the instance only when what it is about differs between
// instances: the output paths (outInst, also for their checks), or for
// their number the samples too.
func rawOutputs(decl *imageDecl, samples int, samplesPerInstance bool, vals map[string]evaluated, inst string) (raws []rawOutput, outInst string, ok bool, diags hcl.Diagnostics) {
	one, hasOne := vals[attrOutput]
	many, hasMany := vals[attrOutputs]
	if (hasOne && !one.ok) || (hasMany && !many.ok) {
		return nil, "", false, nil // the evaluation error is already reported
	}
	countInst := ""
	if one.perInstance || many.perInstance {
		outInst, countInst = inst, inst
	}
	if samplesPerInstance {
		countInst = inst
	}
	hasOne = hasOne && !one.val.IsNull()
	hasMany = hasMany && !many.val.IsNull()
	switch {
	case hasOne && hasMany:
		return nil, outInst, false, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Conflicting output arguments",
			Detail:   instPrefix(outInst) + `Set either "output" (one image) or "outputs" (one path per sample), not both.`,
			Subject:  many.expr.Range().Ptr(),
		}}
	case hasOne:
		raws, diags = oneOutput(one, samples, outInst, countInst)
	case hasMany:
		raws, diags = listedOutputs(many, samples, outInst, countInst)
	case decl.malformed:
		return nil, outInst, false, nil
	case decl.hasVariants:
		return nil, outInst, true, nil // kept in the cache, for its variants
	default:
		return nil, outInst, false, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Missing output path",
			Detail:   instPrefix(outInst) + `An image must say where it is written: output = "assets/NAME.png", or outputs = [...] with one path per sample when samples > 1.`,
			Subject:  decl.DeclRange.Ptr(),
		}}
	}
	return raws, outInst, true, diags
}

// rawOutput is an output path as written, before it is checked.
type rawOutput struct {
	path string
	rng  hcl.Range
}

// oneOutput reads output = "PATH": one path, for one sample.
func oneOutput(one evaluated, samples int, outInst, countInst string) ([]rawOutput, hcl.Diagnostics) {
	s, err := convert.Convert(one.val, cty.String)
	if err != nil {
		return nil, hcl.Diagnostics{typeDiag(attrOutput, "a string is", one, outInst)}
	}
	if samples > 1 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Too few output paths",
			Detail:   instPrefix(countInst) + fmt.Sprintf(`samples = %d makes %d images, but "output" names one file. Use outputs = [...] with one path per sample.`, samples, samples),
			Subject:  one.expr.Range().Ptr(),
		}}
	}
	return []rawOutput{{path: s.AsString(), rng: one.expr.Range()}}, nil
}

// listedOutputs reads outputs = [...]: one path per sample, each with its
// own range when the list is written out.
func listedOutputs(many evaluated, samples int, outInst, countInst string) ([]rawOutput, hcl.Diagnostics) {
	list, err := convert.Convert(many.val, cty.List(cty.String))
	if err != nil || !list.IsWhollyKnown() {
		return nil, hcl.Diagnostics{typeDiag(attrOutputs, "a list of strings is", many, outInst)}
	}
	elems := list.AsValueSlice()
	if samples > 0 && len(elems) != samples {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Wrong number of output paths",
			Detail:   instPrefix(countInst) + fmt.Sprintf(`"outputs" has %d paths but samples = %d; give exactly one path per sample.`, len(elems), samples),
			Subject:  many.expr.Range().Ptr(),
		}}
	}
	var raws []rawOutput
	var diags hcl.Diagnostics
	tuple, _ := many.expr.(*hclsyntax.TupleConsExpr)
	for i, el := range elems {
		rng := many.expr.Range()
		if tuple != nil && len(tuple.Exprs) == len(elems) {
			rng = tuple.Exprs[i].Range()
		}
		if el.IsNull() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid output path", Detail: instPrefix(outInst) + "An output path must not be null.", Subject: rng.Ptr()})
			continue
		}
		raws = append(raws, rawOutput{path: el.AsString(), rng: rng})
	}
	return raws, diags
}

func typeDiag(name, want string, e evaluated, inst string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Incorrect attribute value type",
		Detail:   instPrefix(inst) + fmt.Sprintf("Inappropriate value for argument %q: %s required, but got %s.", name, want, e.val.Type().FriendlyName()),
		Subject:  e.expr.Range().Ptr(),
	}
}
