package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// evalLocals evaluates every local value in dependency order. A local that
// cannot be evaluated (bad reference, error, part of a cycle) becomes
// cty.DynamicVal, so that its users are not reported again.
func evalLocals(m *module, vars cty.Value, funcs map[string]function.Function) (cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	sc := scope{variables: m.variables, locals: m.locals, where: "a locals block"}

	deps := map[string][]string{}
	bad := map[string]bool{}
	for _, name := range keysOf(m.locals) {
		attr := m.locals[name]
		if refDiags := checkRefs(attr.Expr, sc); refDiags.HasErrors() {
			diags = append(diags, refDiags...)
			bad[name] = true
			continue
		}
		for _, trav := range attr.Expr.Variables() {
			if trav.RootName() != "local" || len(trav) < 2 {
				continue
			}
			if a, ok := trav[1].(hcl.TraverseAttr); ok {
				deps[name] = append(deps[name], a.Name)
			}
		}
	}

	vals := map[string]cty.Value{}
	state := map[string]int{} // 0 unvisited, 1 visiting, 2 done
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		switch state[name] {
		case 2:
			return
		case 1:
			// A cycle: report it once, naming every member and where.
			start := 0
			for i, n := range stack {
				if n == name {
					start = i
				}
			}
			cycle := append(append([]string(nil), stack[start:]...), name)
			var where []string
			for _, n := range cycle[:len(cycle)-1] {
				where = append(where, fmt.Sprintf("local.%s (%s)", n, posString(m.locals[n].NameRange)))
				bad[n] = true
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cycle in local values",
				Detail:   fmt.Sprintf("Local values refer to each other in a cycle: %s. Break the cycle so that each value can be computed from the others.", strings.Join(append(where, "local."+name), " → ")),
				Subject:  m.locals[name].NameRange.Ptr(),
			})
			return
		}
		state[name] = 1
		stack = append(stack, name)
		for _, dep := range deps[name] {
			visit(dep)
		}
		stack = stack[:len(stack)-1]
		state[name] = 2
		if bad[name] {
			vals[name] = cty.DynamicVal
			return
		}
		for _, dep := range deps[name] {
			if bad[dep] {
				bad[name] = true
				vals[name] = cty.DynamicVal
				return
			}
		}
		// The local object holds only what this value refers to: a
		// value of all of them, built for each, made a chain of n locals
		// cost n² (checkRefs has made sure nothing else is referred to).
		refs := make(map[string]cty.Value, len(deps[name]))
		for _, dep := range deps[name] {
			refs[dep] = vals[dep]
		}
		ctx := &hcl.EvalContext{
			Variables: map[string]cty.Value{"var": vars, "local": cty.ObjectVal(refs), "path": pathObject},
			Functions: funcs,
		}
		val, moreDiags := m.locals[name].Expr.Value(ctx)
		diags = append(diags, moreDiags...)
		if moreDiags.HasErrors() {
			bad[name] = true
			val = cty.DynamicVal
		}
		vals[name] = val
	}
	for _, name := range keysOf(m.locals) {
		visit(name)
	}
	return cty.ObjectVal(vals), diags
}

// pathObject is path.root and path.module: the configuration directory,
// which every relative path in the language is read from.
var pathObject = cty.ObjectVal(map[string]cty.Value{
	"root":   cty.StringVal("."),
	"module": cty.StringVal("."),
})
