package spec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// FormatSource returns src, the file name, in the canonical HCL layout, as
// imgform fmt writes it; or the diagnostics that stop it (blocks nested
// too deep, a syntax error), with the file they refer to.
func FormatSource(src []byte, name string) ([]byte, hcl.Diagnostics, map[string]*hcl.File) {
	if diags := CheckNesting(src, name); diags.HasErrors() {
		parser := hclparse.NewParser()
		parser.AddFile(name, &hcl.File{Bytes: src})
		return nil, diags, parser.Files()
	}
	if _, diags := hclwrite.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
		parser := hclparse.NewParser()
		parser.ParseHCL(src, name)
		return nil, diags, parser.Files()
	}
	return hclwrite.Format(src), nil, nil
}
