package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgform/imgform/internal/model"
)

// module is the source model of a configuration: every declaration of
// every file, with expressions kept unevaluated.
type module struct {
	schema    *model.Schema // the model the images are of
	variables map[string]*variableDecl
	varOrder  []string
	locals    map[string]*hcl.Attribute
	defaults  *defaultsDecl
	images    []*imageDecl
	moved     []*movedDecl
	settings  *Settings // the imgform block; nil when there is none
}

type variableDecl struct {
	Name        string
	Type        cty.Type
	TypeDefault *typeexpr.Defaults
	Default     cty.Value // cty.NilVal when there is none
	Description string
	DeclRange   hcl.Range
}

type defaultsDecl struct {
	Attrs     hcl.Attributes
	DeclRange hcl.Range
}

type imageDecl struct {
	Name      string
	DeclRange hcl.Range
	ForEach   *hcl.Attribute
	Count     *hcl.Attribute
	Attrs     hcl.Attributes // parameters and output(s)
	// malformed is set when the block's body had errors of its own (an
	// unsupported argument, say): a "missing" argument is then most likely
	// the misspelled one, and is not reported a second time.
	malformed bool
	// hasVariants is set when the block declares variant blocks, or
	// dynamic blocks that generate them; body is then read again for
	// each instance, with its each or count, to evaluate them.
	hasVariants bool
	body        hcl.Body
}

const badIdentifierDetail = "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes."

func newModule(s *model.Schema) *module {
	return &module{schema: s, variables: map[string]*variableDecl{}, locals: map[string]*hcl.Attribute{}}
}

// addFile decodes the declarations of one file into the module, reporting
// duplicates against what earlier files declared.
func (m *module) addFile(f *hcl.File) hcl.Diagnostics {
	content, diags := f.Body.Content(topSchema)
	for _, block := range content.Blocks {
		switch block.Type {
		case "variable":
			diags = append(diags, m.addVariable(block)...)
		case "locals":
			diags = append(diags, m.addLocals(block)...)
		case "defaults":
			diags = append(diags, m.addDefaults(block)...)
		case "image":
			diags = append(diags, m.addImage(block)...)
		case "moved":
			diags = append(diags, m.addMoved(block)...)
		case "imgform":
			diags = append(diags, m.addSettings(block)...)
		}
	}
	return diags
}

func checkLabel(kind string, block *hcl.Block) hcl.Diagnostics {
	if hclsyntax.ValidIdentifier(block.Labels[0]) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Invalid %s name", kind),
		Detail:   fmt.Sprintf("%q is not a valid %s name. %s", block.Labels[0], kind, badIdentifierDetail),
		Subject:  block.LabelRanges[0].Ptr(),
	}}
}

func (m *module) addVariable(block *hcl.Block) hcl.Diagnostics {
	diags := checkLabel("variable", block)
	name := block.Labels[0]
	v := &variableDecl{Name: name, Type: cty.DynamicPseudoType, DeclRange: block.DefRange}
	if prev, ok := m.variables[name]; ok {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate variable declaration",
			Detail:   fmt.Sprintf("A variable named %q was already declared at %s. Variable names must be unique within a configuration.", name, posString(prev.DeclRange)),
			Subject:  block.DefRange.Ptr(),
		})
		return diags
	}
	content, moreDiags := block.Body.Content(variableSchema)
	diags = append(diags, moreDiags...)
	if attr, ok := content.Attributes["type"]; ok {
		ty, defaults, moreDiags := typeexpr.TypeConstraintWithDefaults(attr.Expr)
		diags = append(diags, moreDiags...)
		if !moreDiags.HasErrors() {
			v.Type, v.TypeDefault = ty, defaults
		}
	}
	if attr, ok := content.Attributes["description"]; ok {
		val, moreDiags := attr.Expr.Value(nil)
		diags = append(diags, moreDiags...)
		if !moreDiags.HasErrors() {
			if val.Type() != cty.String || val.IsNull() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid variable description",
					Detail:   "A variable's description must be a string.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			} else {
				v.Description = val.AsString()
			}
		}
	}
	if attr, ok := content.Attributes["default"]; ok {
		val, moreDiags := attr.Expr.Value(nil)
		diags = append(diags, moreDiags...)
		if !moreDiags.HasErrors() {
			val, moreDiags = convertVariable(v, val, "its default value", attr.Expr.Range())
			diags = append(diags, moreDiags...)
			v.Default = val
		}
	}
	m.variables[name] = v
	m.varOrder = append(m.varOrder, name)
	return diags
}

func (m *module) addLocals(block *hcl.Block) hcl.Diagnostics {
	attrs, diags := block.Body.JustAttributes()
	for name, attr := range attrs {
		if !hclsyntax.ValidIdentifier(name) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid local value name",
				Detail:   badIdentifierDetail,
				Subject:  attr.NameRange.Ptr(),
			})
			continue
		}
		if prev, ok := m.locals[name]; ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate local value definition",
				Detail:   fmt.Sprintf("A local value named %q was already defined at %s. Local value names must be unique within a configuration.", name, posString(prev.NameRange)),
				Subject:  attr.NameRange.Ptr(),
			})
			continue
		}
		m.locals[name] = attr
	}
	return diags
}

func (m *module) addDefaults(block *hcl.Block) hcl.Diagnostics {
	if m.defaults != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Duplicate defaults block",
			Detail:   fmt.Sprintf("A defaults block was already declared at %s. A configuration has at most one; merge the two.", posString(m.defaults.DeclRange)),
			Subject:  block.DefRange.Ptr(),
		}}
	}
	content, diags := block.Body.Content(defaultsSchema(m.schema))
	diags = suggestAliases(diags, m.schema)
	for _, name := range imageOnlyAttrs {
		attr, ok := content.Attributes[name]
		if !ok {
			continue
		}
		why := "each image's outputs are its own: two images cannot write the same file"
		if name == attrForEach || name == attrCount {
			why = "it decides how many images one block declares"
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Argument not allowed in defaults",
			Detail:   fmt.Sprintf("The defaults block holds model parameters that every image inherits. %q cannot be inherited, because %s; set it in the image block.", name, why),
			Subject:  attr.NameRange.Ptr(),
		})
		delete(content.Attributes, name)
	}
	m.defaults = &defaultsDecl{Attrs: content.Attributes, DeclRange: block.DefRange}
	return diags
}

func (m *module) addImage(block *hcl.Block) hcl.Diagnostics {
	diags := checkLabel("image", block)
	name := block.Labels[0]
	for _, prev := range m.images {
		if prev.Name == name {
			return append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate image block",
				Detail:   fmt.Sprintf("An image named %q was already declared at %s. Image names must be unique within a configuration.", name, posString(prev.DeclRange)),
				Subject:  block.DefRange.Ptr(),
			})
		}
	}
	content, moreDiags := block.Body.Content(imageSchema(m.schema))
	moreDiags = suggestAliases(moreDiags, m.schema)
	diags = append(diags, moreDiags...)
	img := &imageDecl{Name: name, DeclRange: block.DefRange, Attrs: hcl.Attributes{}, malformed: moreDiags.HasErrors()}
	for attrName, attr := range content.Attributes {
		switch attrName {
		case attrForEach:
			img.ForEach = attr
		case attrCount:
			img.Count = attr
		case attrDependsOn:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Reserved argument name in image block",
				Detail:   "The name \"depends_on\" is reserved. Images do not depend on each other: each is generated from its own request.",
				Subject:  attr.NameRange.Ptr(),
			})
		default:
			img.Attrs[attrName] = attr
		}
	}
	for _, b := range content.Blocks {
		if b.Type != "lifecycle" {
			continue
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Reserved block type in image block",
			Detail:   fmt.Sprintf("The block type %q is reserved for a future version of imgform.", b.Type),
			Subject:  b.DefRange.Ptr(),
		})
	}
	has, moreDiags := variantDecls(content.Blocks)
	diags = append(diags, moreDiags...)
	img.hasVariants, img.body = has, block.Body
	if img.ForEach != nil && img.Count != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  `Invalid combination of "count" and "for_each"`,
			Detail:   `The "count" and "for_each" arguments are mutually exclusive; an image block uses at most one of them.`,
			Subject:  img.ForEach.NameRange.Ptr(),
		})
		img.Count = nil
	}
	m.images = append(m.images, img)
	return diags
}

// posString renders the start of a range as FILE:LINE:COLUMN.
func posString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
