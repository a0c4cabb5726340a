package spec

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/imgform/imgform/segmind"
)

// The HCL schemas of the language. The image and defaults schemas are
// built from the model's parameter table, so a parameter added there is
// accepted here without further change.

var topSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "defaults"},
		{Type: "image", LabelNames: []string{"name"}},
		{Type: "moved"},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
	},
}

const (
	attrOutput    = "output"
	attrOutputs   = "outputs"
	attrForEach   = "for_each"
	attrCount     = "count"
	attrDependsOn = "depends_on"
	attrSeed      = "seed"
)

// paramAttrs are the model parameters a spec may set: all but the
// transport ones.
var paramAttrs = func() []hcl.AttributeSchema {
	var attrs []hcl.AttributeSchema
	for _, name := range segmind.ImageParamNames() {
		attrs = append(attrs, hcl.AttributeSchema{Name: name})
	}
	return attrs
}()

// imageOnlyAttrs are image arguments that cannot be inherited. The
// defaults block accepts them only to refuse them with a reason rather
// than a bare "Unsupported argument".
var imageOnlyAttrs = []string{attrOutput, attrOutputs, attrForEach, attrCount}

// defaultsSchema is the model's parameters plus imageOnlyAttrs.
var defaultsSchema = func() *hcl.BodySchema {
	attrs := append([]hcl.AttributeSchema(nil), paramAttrs...)
	for _, name := range imageOnlyAttrs {
		attrs = append(attrs, hcl.AttributeSchema{Name: name})
	}
	return &hcl.BodySchema{Attributes: attrs}
}()

var imageSchema = &hcl.BodySchema{
	Attributes: append(append([]hcl.AttributeSchema(nil), paramAttrs...),
		hcl.AttributeSchema{Name: attrOutput},
		hcl.AttributeSchema{Name: attrOutputs},
		hcl.AttributeSchema{Name: attrForEach},
		hcl.AttributeSchema{Name: attrCount},
		// Reserved: accepted by the parser only to be refused with a clear
		// message rather than "Unsupported argument".
		hcl.AttributeSchema{Name: attrDependsOn},
	),
	Blocks: []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}
