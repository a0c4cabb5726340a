package spec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/picks"
)

// FileSuffix is the suffix of configuration files.
const FileSuffix = ".img.hcl"

// Options carries what a run gives the configuration from outside it.
type Options struct {
	Vars     []string // --var NAME=VALUE, in the order given
	VarFiles []string // --var-file paths, in the order given
	Environ  []string // the environment as KEY=VALUE; IMGFORM_VAR_* are read
	// Model is the model the images are of; nil is model.Default.
	Model *model.Schema
	// AllowUnset checks a configuration without values for the variables
	// that have no default, as terraform validate does: they stand for
	// unknown values, and whatever depends on them is checked only as far
	// as it can be. Config.Unset names them.
	AllowUnset bool
	// IgnorePicks reads the configuration without the picks file:
	// imgform pick, which rewrites it, works whatever the file picks.
	IgnorePicks bool
}

// Config is a loaded configuration.
type Config struct {
	// Dir is the configuration directory, as given to Load.
	Dir string
	// Files holds every source that was parsed (configuration files,
	// variable files, values given on the command line), by the name used
	// in diagnostics, so that diagnostics can be shown with their source.
	Files map[string]*hcl.File
	// Images is the desired set, sorted by address. It is complete only
	// when Load reported no errors.
	Images []*Image
	// Sources are the configuration files and the files read by file(),
	// sorted: what a saved plan must find unchanged.
	Sources []string
	// Moves are the moved blocks, chains resolved, in declaration order.
	Moves []Move
	// Unset names the variables that had no value (with AllowUnset only):
	// the images that depend on them are not in Images.
	Unset []string
	// Settings is the imgform block (the zero value when there is none).
	Settings Settings
}

// Lookup returns the image with the given address, or nil.
func (c *Config) Lookup(a Address) *Image {
	i := sort.Search(len(c.Images), func(i int) bool { return c.Images[i].Addr.Compare(a) >= 0 })
	if i < len(c.Images) && c.Images[i].Addr == a {
		return c.Images[i]
	}
	return nil
}

// ConfigFiles returns the configuration files of dir: every *.img.hcl in
// it, sorted.
func ConfigFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading configuration directory: %w", err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), FileSuffix) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files, nil
}

// Load reads the configuration in dir into the desired set of images.
// It always returns a Config (whose Files render the diagnostics), and the
// diagnostics of every problem found. When ctx ends (Ctrl-C), it stops
// between images and reports that; the Config is then incomplete.
func Load(ctx context.Context, dir string, opts Options) (*Config, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	cfg := &Config{Dir: dir, Files: parser.Files()}
	var diags hcl.Diagnostics

	files, err := ConfigFiles(dir)
	if err != nil {
		return cfg, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the configuration directory", Detail: err.Error() + "."}}
	}
	if len(files) == 0 {
		shown := dir
		if abs, err := filepath.Abs(dir); err == nil {
			shown = abs
		}
		return cfg, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail: fmt.Sprintf("There are no *%s files in %s. imgform reads every *%s file in the working directory; create one, or point -C at the directory that holds them.%s",
				FileSuffix, shown, FileSuffix, otherHCLHint(dir)),
		}}
	}

	var parsed []*hcl.File
	for _, name := range files {
		f, moreDiags := parseFile(parser, name)
		diags = append(diags, moreDiags...)
		if f != nil {
			parsed = append(parsed, f)
		}
	}
	if diags.HasErrors() {
		// Syntax errors make everything after them guesswork.
		return cfg, diags
	}

	if opts.Model == nil {
		opts.Model = model.Default
	}
	m := newModule(opts.Model)
	for _, f := range parsed {
		diags = append(diags, m.addFile(f)...)
	}

	reader := newFileReader(dir)
	funcs := reader.functions()
	vars, unset, moreDiags := collectVariables(m, opts, parser)
	diags = append(diags, moreDiags...)
	cfg.Unset = unset
	locals, moreDiags := evalLocals(m, vars, funcs)
	diags = append(diags, moreDiags...)

	ev := newEvaluator(ctx, m, dir, vars, locals, funcs)
	images, moreDiags := ev.images()
	diags = append(diags, moreDiags...)
	if err := ctx.Err(); err != nil {
		return cfg, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Interrupted", Detail: "Reading the configuration was interrupted."})
	}
	cfg.Images = images
	if !diags.HasErrors() {
		// Checked against the images the blocks declare, which are known
		// only when everything evaluated.
		moves, moreDiags := resolveMoves(m.moved, declaredIn(images))
		diags = append(diags, moreDiags...)
		cfg.Moves = moves
	}

	if m.settings != nil {
		cfg.Settings = *m.settings
	}
	var picked []string
	if !opts.IgnorePicks {
		var moreDiags hcl.Diagnostics
		picked, moreDiags = readPicks(dir, cfg, parser, !diags.HasErrors())
		diags = append(diags, moreDiags...)
	}
	cfg.Files = parser.Files()
	cfg.Sources = append(files, reader.Files()...)
	cfg.Sources = append(cfg.Sources, picked...)
	sort.Strings(cfg.Sources)
	return cfg, sortDiags(dedupe(diags))
}

// otherHCLHint points at HCL files that are not named *.img.hcl: most
// likely a configuration with the wrong suffix.
func otherHCLHint(dir string) string {
	var found []string
	for _, pattern := range []string{"*.hcl", "*.tf"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			found = append(found, filepath.Base(m))
		}
	}
	if len(found) == 0 {
		return ""
	}
	sort.Strings(found)
	example := found[0]
	renamed := strings.TrimSuffix(strings.TrimSuffix(example, ".hcl"), ".tf") + FileSuffix
	list := strings.Join(found[:min(len(found), 3)], ", ")
	if len(found) > 3 {
		list += fmt.Sprintf(" and %d more", len(found)-3)
	}
	return fmt.Sprintf(" There is %s here, which imgform does not read: if it declares images, rename it, as in %s → %s.", list, example, renamed)
}

// sortDiags orders diagnostics by where they are: sourceless ones first,
// then by file, line and column. The order of discovery says little to a
// reader; the order of the source does.
func sortDiags(diags hcl.Diagnostics) hcl.Diagnostics {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return diags
}

// parseFile reads and parses one configuration file, refusing nesting too
// deep to parse safely first. The file is nil when it cannot be read or
// is refused.
func parseFile(parser *hclparse.Parser, name string) (*hcl.File, hcl.Diagnostics) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read a configuration file", Detail: err.Error() + "."}}
	}
	if nested := checkNesting(src, name, false); nested.HasErrors() {
		// Register the source, so that the diagnostic shows it.
		parser.AddFile(name, &hcl.File{Bytes: src})
		return nil, nested
	}
	return parser.ParseHCL(src, name)
}

// readPicks reads the picks file, when there is one, and gives the
// images with candidates their picked seeds. It returns the file's path
// as a source of the configuration (a saved plan must find it
// unchanged), and the problems with it, on their lines.
func readPicks(dir string, cfg *Config, parser *hclparse.Parser, complete bool) ([]string, hcl.Diagnostics) {
	f, data, err := picks.Load(dir)
	path := filepath.Join(dir, picks.FileName)
	if data != nil {
		// Registered as a file of the configuration, so that its
		// diagnostics are shown with the source line.
		if _, diags := parser.ParseJSON(data, path); diags.HasErrors() {
			parser.Files()[path] = &hcl.File{Bytes: data}
		}
	}
	if err != nil {
		d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read " + picks.FileName, Detail: err.Error() + "."}
		var pe *picks.Error
		if errors.As(err, &pe) {
			d.Detail = pe.Err.Error() + "."
			if pe.Line > 0 {
				d.Subject = &hcl.Range{Filename: path, Start: hcl.Pos{Line: pe.Line, Column: pe.Column}, End: hcl.Pos{Line: pe.Line, Column: pe.Column}}
			}
		}
		return nil, hcl.Diagnostics{d}
	}
	if data == nil {
		return nil, nil
	}
	return []string{path}, applyPicks(cfg, f, data, path, complete)
}
