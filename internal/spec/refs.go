package spec

import (
	"fmt"
	"sort"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// scope says which names an expression may refer to.
type scope struct {
	variables map[string]*variableDecl
	locals    map[string]*hcl.Attribute
	each      bool // inside an image block with for_each
	count     bool // inside an image block with count
	where     string
}

// checkRefs reports every reference in expr that cannot be resolved in the
// scope, in Terraform's words, before the expression is evaluated. An
// expression with such a reference is not evaluated, so that its error is
// reported once and clearly rather than as "Unsupported attribute".
func checkRefs(expr hcl.Expression, sc scope) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, trav := range expr.Variables() {
		rng := trav.SourceRange()
		root := trav.RootName()
		attrName := func() (string, bool) {
			if len(trav) < 2 {
				return "", false
			}
			a, ok := trav[1].(hcl.TraverseAttr)
			return a.Name, ok
		}
		switch root {
		case "var":
			name, ok := attrName()
			if !ok {
				diags = append(diags, badRef(rng, `A reference to a variable is written var.NAME.`))
				continue
			}
			if _, ok := sc.variables[name]; !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Reference to undeclared variable",
					Detail:   fmt.Sprintf("A variable named %q has not been declared. Declare it with a variable %q block.%s", name, name, didYouMean(name, keysOf(sc.variables))),
					Subject:  rng.Ptr(),
				})
			}
		case "local":
			name, ok := attrName()
			if !ok {
				diags = append(diags, badRef(rng, `A reference to a local value is written local.NAME.`))
				continue
			}
			if _, ok := sc.locals[name]; !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Reference to undeclared local value",
					Detail:   fmt.Sprintf("A local value named %q has not been declared in a locals block.%s", name, didYouMean(name, keysOf(sc.locals))),
					Subject:  rng.Ptr(),
				})
			}
		case "each":
			if !sc.each {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  `Reference to "each" in context without for_each`,
					Detail:   fmt.Sprintf(`The "each" object can be used only in an image block that sets for_each; here it is used in %s.`, sc.where),
					Subject:  rng.Ptr(),
				})
				continue
			}
			if name, ok := attrName(); !ok || (name != "key" && name != "value") {
				diags = append(diags, badRef(rng, `The "each" object has two attributes: each.key and each.value.`))
			}
		case "count":
			if !sc.count {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  `Reference to "count" in context without count`,
					Detail:   fmt.Sprintf(`The "count" object can be used only in an image block that sets count; here it is used in %s.`, sc.where),
					Subject:  rng.Ptr(),
				})
				continue
			}
			if name, ok := attrName(); !ok || name != "index" {
				diags = append(diags, badRef(rng, `The "count" object has one attribute: count.index.`))
			}
		case "path":
			if name, ok := attrName(); !ok || (name != "root" && name != "module") {
				diags = append(diags, badRef(rng, `The "path" object has the attributes path.root and path.module, both the configuration directory.`))
			}
		default:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reference to unknown name",
				Detail:   fmt.Sprintf("There is nothing named %q here. References start with var., local., each., count. or path.%s", root, didYouMean(root, []string{"var", "local", "each", "count", "path"})),
				Subject:  rng.Ptr(),
			})
		}
	}
	return diags
}

func badRef(rng hcl.Range, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid reference", Detail: detail, Subject: rng.Ptr()}
}

// didYouMean returns ` Did you mean "x"?` for the candidate closest to
// given, or "" when none is close.
func didYouMean(given string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
