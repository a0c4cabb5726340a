package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// envVarPrefix is the prefix of environment variables that set variable
// values: IMGFORM_VAR_brand sets var.brand.
const envVarPrefix = "IMGFORM_VAR_"

// variableValue is one value given for a variable, with where it came from.
type variableValue struct {
	Value  cty.Value
	Range  hcl.Range // where the value was written (a pseudo file for env and CLI)
	From   string    // for messages: "IMGFORM_VAR_x", "--var", a var file
	InFile bool      // From is a variables file
}

// what names the value in messages.
func (g variableValue) what() string {
	if g.InFile {
		return "the value set in " + g.From
	}
	return "the value set with " + g.From
}

// collectVariables resolves every declared variable's value from, in
// increasing precedence, its default, IMGFORM_VAR_* in the environment,
// each --var-file in order, and each --var in order.
func collectVariables(m *module, opts Options, parser *hclparse.Parser) (cty.Value, []string, hcl.Diagnostics) {
	g := givenValues{values: map[string]variableValue{}, failed: map[string]bool{}}
	g.fromEnvironment(m, opts.Environ, parser)
	for _, path := range opts.VarFiles {
		vals, moreDiags := readVarFile(m, path, parser)
		g.diags = append(g.diags, moreDiags...)
		for n, val := range vals {
			g.values[n] = val
		}
	}
	g.fromFlags(m, opts.Vars, parser)
	return g.resolve(m, opts.AllowUnset)
}

// givenValues are the variables' values as given, in order of precedence
// (the environment, then --var-file, then --var: the last wins).
type givenValues struct {
	values map[string]variableValue
	// failed holds the variables given a value that was reported
	// invalid: they are not reported a second time as having no value.
	failed map[string]bool
	diags  hcl.Diagnostics
}

// set records a value parsed from raw, or that it was invalid.
func (g *givenValues) set(v *variableDecl, name, raw, what string, parser *hclparse.Parser) {
	val, diags := parseRawValue(v, raw, what, parser)
	g.diags = append(g.diags, diags...)
	if diags.HasErrors() {
		g.failed[name] = true
		return
	}
	g.values[name] = val
}

// fromEnvironment reads IMGFORM_VAR_NAME. Like TF_VAR_*, an environment
// may carry values for other configurations: undeclared ones are left.
func (g *givenValues) fromEnvironment(m *module, environ []string, parser *hclparse.Parser) {
	for _, kv := range environ {
		name, raw, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envVarPrefix) {
			continue
		}
		varName := strings.TrimPrefix(name, envVarPrefix)
		if v, declared := m.variables[varName]; declared {
			g.set(v, varName, raw, name, parser)
		}
	}
}

// fromFlags reads --var NAME=VALUE.
func (g *givenValues) fromFlags(m *module, args []string, parser *hclparse.Parser) {
	for _, arg := range args {
		name, raw, ok := strings.Cut(arg, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			g.diags = append(g.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid --var option",
				Detail:   fmt.Sprintf("The value %q is not of the form NAME=VALUE, as in --var brand=acme.", arg),
			})
			continue
		}
		v, declared := m.variables[name]
		if !declared {
			g.diags = append(g.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("A variable named %q was given with --var, but no variable block declares it.%s", name, didYouMean(name, m.varOrder)),
			})
			continue
		}
		g.set(v, name, raw, "--var", parser)
	}
}

// resolve gives every declared variable its value: the one given, its
// default, or (with allowUnset, for validate) an unknown one, listed.
func (g *givenValues) resolve(m *module, allowUnset bool) (cty.Value, []string, hcl.Diagnostics) {
	vals := map[string]cty.Value{}
	var unset []string
	for _, name := range m.varOrder {
		v := m.variables[name]
		if given, ok := g.values[name]; ok {
			val, moreDiags := convertVariable(v, given.Value, given.what(), given.Range)
			g.diags = append(g.diags, moreDiags...)
			vals[name] = val
			continue
		}
		switch {
		case v.Default != cty.NilVal:
			vals[name] = v.Default
		case g.failed[name]:
			vals[name] = cty.DynamicVal
		case allowUnset:
			vals[name] = cty.UnknownVal(v.Type)
			unset = append(unset, name)
		default:
			g.diags = append(g.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail: fmt.Sprintf("The variable %q has no default value, and no value was given for it. Set it with --var %s=VALUE, in a file passed with --var-file, or in the environment as %s%s.",
					name, name, envVarPrefix, name),
				Subject: v.DeclRange.Ptr(),
			})
			vals[name] = cty.DynamicVal
		}
	}
	return cty.ObjectVal(vals), unset, g.diags
}

// parseRawValue reads a value given as text (environment or --var): taken
// literally for a string or untyped variable, parsed as an HCL expression
// for any other type, as Terraform does.
func parseRawValue(v *variableDecl, raw, from string, parser *hclparse.Parser) (variableValue, hcl.Diagnostics) {
	pseudoFile := fmt.Sprintf("<value for var.%s from %s>", v.Name, from)
	src := []byte(raw)
	// Register the value as a source so that diagnostics can show it.
	parser.AddFile(pseudoFile, &hcl.File{Bytes: src})
	rng := hcl.Range{
		Filename: pseudoFile,
		Start:    hcl.InitialPos,
		End:      endPos(raw),
	}
	if v.Type == cty.String || v.Type == cty.DynamicPseudoType {
		return variableValue{Value: cty.StringVal(raw), Range: rng, From: from}, nil
	}
	if diags := checkNesting(src, pseudoFile, true); diags.HasErrors() {
		return variableValue{}, diags
	}
	expr, diags := hclsyntax.ParseExpression(src, pseudoFile, hcl.InitialPos)
	val := cty.DynamicVal
	if !diags.HasErrors() {
		val, diags = expr.Value(nil)
	}
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		// HCL's own words ("Variables may not be used here") do not say
		// that the text was read as an expression, which is the surprise.
		return variableValue{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail: fmt.Sprintf("The variable %q has type %s, so the value set with %s is read as an HCL expression, such as 5, true, [\"a\", \"b\"] or {key = \"value\"}, with strings in double quotes. Reading %q failed: %s",
				v.Name, typeexpr.TypeString(v.Type), from, raw, d.Detail),
			Subject: rng.Ptr(),
		}}
	}
	return variableValue{Value: val, Range: expr.Range(), From: from}, diags
}

// readVarFile reads a --var-file: HCL attributes NAME = VALUE, constant
// expressions only.
func readVarFile(m *module, path string, parser *hclparse.Parser) (map[string]variableValue, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		reason := err.Error()
		if errors.Is(err, fs.ErrNotExist) {
			reason = "there is no such file"
		}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read variables file",
			Detail:   fmt.Sprintf("The file %q, given with --var-file, cannot be read: %s. Check the path; a relative one is read from the working directory.", path, reason),
		}}
	}
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ".json") {
		diags = checkJSONNesting(src, path)
	} else {
		diags = checkNesting(src, path, false)
	}
	if diags.HasErrors() {
		parser.AddFile(path, &hcl.File{Bytes: src})
		return nil, diags
	}
	if strings.HasSuffix(path, ".json") {
		f, diags = parser.ParseJSON(src, path)
	} else {
		f, diags = parser.ParseHCL(src, path)
	}
	if f == nil || diags.HasErrors() {
		if len(diags) == 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Failed to read variables file", Detail: fmt.Sprintf("The file %q could not be read.", path)})
		}
		return nil, diags
	}
	// A declaration in a values file is a common mistake; say so plainly
	// rather than "Blocks are not allowed here".
	if body, ok := f.Body.(*hclsyntax.Body); ok && len(body.Blocks) > 0 {
		for _, b := range body.Blocks {
			detail := fmt.Sprintf("A variables file assigns values (NAME = VALUE); a %q block does not belong here.", b.Type)
			if b.Type == "variable" {
				detail = "A variables file assigns values to variables declared in the configuration (NAME = VALUE); it cannot declare them. Move this block into a .img.hcl file."
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Block in a variables file",
				Detail:   detail,
				Subject:  b.DefRange().Ptr(),
			})
		}
		return nil, diags
	}
	attrs, moreDiags := f.Body.JustAttributes()
	diags = append(diags, moreDiags...)
	vals := map[string]variableValue{}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		attr := attrs[name]
		if _, declared := m.variables[name]; !declared {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("The file sets %q, but no variable block declares it, so the value is ignored.%s", name, didYouMean(name, m.varOrder)),
				Subject:  attr.NameRange.Ptr(),
			})
			continue
		}
		val, moreDiags := attr.Expr.Value(nil)
		diags = append(diags, moreDiags...)
		if !moreDiags.HasErrors() {
			vals[name] = variableValue{Value: val, Range: attr.Expr.Range(), From: path, InFile: true}
		}
	}
	return vals, diags
}

// convertVariable applies a variable's type constraint (and its optional
// attribute defaults) to a value.
func convertVariable(v *variableDecl, val cty.Value, what string, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	if v.TypeDefault != nil {
		val = v.TypeDefault.Apply(val)
	}
	out, err := convert.Convert(val, v.Type)
	if err != nil {
		return cty.DynamicVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The variable %q does not accept %s: %s.", v.Name, what, err),
			Subject:  rng.Ptr(),
		}}
	}
	return out, nil
}

// endPos is the position just after the end of src.
func endPos(src string) hcl.Pos {
	pos := hcl.InitialPos
	for _, line := range strings.SplitAfter(src, "\n") {
		if strings.HasSuffix(line, "\n") {
			pos = hcl.Pos{Line: pos.Line + 1, Column: 1, Byte: pos.Byte + len(line)}
			continue
		}
		pos.Column += utf8.RuneCountInString(line)
		pos.Byte += len(line)
	}
	return pos
}
