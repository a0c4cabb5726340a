package spec

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/imgform/imgform/internal/model"
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
		{Type: "imgform"},
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
	// attrCandidates asks for several seeds of the image, one of which is
	// picked (imgform.picks.json).
	attrCandidates = "candidates"
)

// paramAttrs are the model parameters a spec may set: all but the
// transport ones.
func paramAttrs(s *model.Schema) []hcl.AttributeSchema {
	var attrs []hcl.AttributeSchema
	for _, p := range s.ImageParams() {
		attrs = append(attrs, hcl.AttributeSchema{Name: p.Name})
	}
	return attrs
}

// imageOnlyAttrs are image arguments that cannot be inherited. The
// defaults block accepts them only to refuse them with a reason rather
// than a bare "Unsupported argument".
var imageOnlyAttrs = []string{attrOutput, attrOutputs, attrForEach, attrCount}

// defaultsSchema is the model's parameters plus imageOnlyAttrs.
func defaultsSchema(s *model.Schema) *hcl.BodySchema {
	attrs := paramAttrs(s)
	for _, name := range imageOnlyAttrs {
		attrs = append(attrs, hcl.AttributeSchema{Name: name})
	}
	return &hcl.BodySchema{Attributes: attrs}
}

// imageSchema is the model's parameters plus the image's own arguments.
func imageSchema(s *model.Schema) *hcl.BodySchema {
	return &hcl.BodySchema{Attributes: append(paramAttrs(s),
		hcl.AttributeSchema{Name: attrOutput},
		hcl.AttributeSchema{Name: attrOutputs},
		hcl.AttributeSchema{Name: attrForEach},
		hcl.AttributeSchema{Name: attrCount},
		hcl.AttributeSchema{Name: attrCandidates},
		// Reserved: accepted by the parser only to be refused with a clear
		// message rather than "Unsupported argument".
		hcl.AttributeSchema{Name: attrDependsOn},
	),
		Blocks: []hcl.BlockHeaderSchema{
			{Type: "lifecycle"},
			{Type: "variant", LabelNames: []string{"name"}},
			{Type: "dynamic", LabelNames: []string{"type"}},
		},
	}
}
