package spec

import (
	"bytes"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/imgform/imgform/internal/atomicfile"
)

// FormatSource returns src, the file name, in the canonical HCL layout, as
// imgform fmt writes it; or the diagnostics that stop it (blocks nested
// too deep, a syntax error), with the file they refer to.
func FormatSource(src []byte, name string) ([]byte, hcl.Diagnostics, map[string]*hcl.File) {
	if diags := checkNesting(src, name, false); diags.HasErrors() {
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

// FormatFiles rewrites each of files in the canonical layout (none when
// check), calling changed with each file that was not, its content and
// the formatted one, in order; it returns how many were not. A file that
// cannot be formatted stops it with a *DiagnosticsError.
func FormatFiles(files []string, check bool, changed func(name string, old, formatted []byte)) (int, error) {
	unformatted := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return unformatted, fmt.Errorf("reading %s: %w", name, err)
		}
		out, diags, parsed := FormatSource(src, name)
		if diags.HasErrors() {
			return unformatted, &DiagnosticsError{Diagnostics: diags, Files: parsed}
		}
		if bytes.Equal(src, out) {
			continue
		}
		unformatted++
		changed(name, src, out)
		if check {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			return unformatted, fmt.Errorf("formatting %s: %w", name, err)
		}
		if err := atomicfile.WriteFile(name, out, fi.Mode().Perm()); err != nil {
			return unformatted, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return unformatted, nil
}
