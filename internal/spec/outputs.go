package spec

import (
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/variant"
)

// StateDirName is the directory imgform keeps beside the configuration for
// its cache and job journal. No output may be written into it.
const StateDirName = safepath.StateDirName

// outputChecker validates output paths and finds two images writing the
// same file. Its resolver remembers which directories it has already
// resolved, so that ten thousand outputs in one folder cost one symlink
// walk.
type outputChecker struct {
	links   *safepath.Resolver
	seen    map[string]outputUse // by path folded to lower case
	folders map[string]outputUse // the first output below each folder, folded
}

type outputUse struct {
	path string
	who  string // the image's address, or an image's variant
	rng  hcl.Range
}

func newOutputChecker(dir string) *outputChecker {
	return &outputChecker{links: safepath.NewResolver(dir), seen: map[string]outputUse{}, folders: map[string]outputUse{}}
}

// check validates one output path of the image addr and returns it
// cleaned and slash-separated.
func (c *outputChecker) check(raw string, addr Address, rng hcl.Range, inst string) (string, hcl.Diagnostics) {
	return c.checkFile(raw, addr.String(), rng, inst, imageFormatProblem)
}

// checkVariant validates one output path of an image's variant.
func (c *outputChecker) checkVariant(raw string, addr Address, variant string, rng hcl.Range, inst string) (string, hcl.Diagnostics) {
	return c.checkFile(raw, fmt.Sprintf("%s variant %q", addr, variant), rng, inst, variantFormatProblem)
}

// imageFormatProblem says what is wrong with the format of an image's
// output path; "" when nothing is.
func imageFormatProblem(raw, p string) string {
	if OutputFormat(p) != "" {
		return ""
	}
	hint := ""
	if _, err := variant.FormatOfPath(p); err == nil {
		hint = " A WebP or AVIF file is made from the image by a variant block (variant \"web\" { output = \"" + p + "\" })."
	}
	return fmt.Sprintf("The output path %q has the extension %q, which is not an image format imgform writes. Use .png (the default) or .jpg/.jpeg.%s", raw, path.Ext(p), hint)
}

// variantFormatProblem says what is wrong with the format of a variant's
// output path; "" when nothing is.
func variantFormatProblem(raw, p string) string {
	if _, err := variant.FormatOfPath(p); err != nil {
		return fmt.Sprintf("The output path %q has the extension %q, which is not a format a variant is written in. Use %s.", raw, path.Ext(p), strings.Join(variant.Extensions(), ", "))
	}
	return ""
}

// checkFile validates one output path of who and returns it cleaned and
// slash-separated; formatProblem judges its format.
func (c *outputChecker) checkFile(raw, who string, rng hcl.Range, inst string, formatProblem func(raw, p string) string) (string, hcl.Diagnostics) {
	fail := func(summary, detail string) (string, hcl.Diagnostics) {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: instPrefix(inst) + detail, Subject: rng.Ptr()}}
	}
	p, perr := safepath.Clean(raw)
	if perr != nil {
		switch perr.Problem {
		case safepath.Empty:
			return fail("Invalid output path", "An output path must not be empty. Write a path relative to the configuration directory, such as \"assets/hero.png\".")
		case safepath.Control:
			return fail("Invalid output path", fmt.Sprintf("The output path %q contains a control character (such as a newline or a tab), which does not belong in a file name.", raw))
		case safepath.Backslash:
			return fail("Invalid output path", fmt.Sprintf("The output path %q contains a backslash. Separate folders with / (as in \"assets/hero.png\"), which works on every system; the state records paths that way.", raw))
		case safepath.Absolute:
			return fail("Absolute output path", fmt.Sprintf("The output path %q is absolute. Outputs are written relative to the configuration directory, so that the project works wherever it is checked out; write it as a relative path such as \"assets/hero.png\".", raw))
		case safepath.InStateDir:
			return fail("Output path inside .imgform", fmt.Sprintf("The output path %q is inside %s/, which holds imgform's own cache and job journal. Choose another folder.", raw, StateDirName))
		case safepath.NotPortable:
			return fail("Output path not portable", fmt.Sprintf("The output path %q cannot be checked out on Windows: %s. Teams check projects out there too; choose another name.", raw, perr.Link))
		}
		return fail("Output path leaves the configuration directory", fmt.Sprintf("The output path %q points outside the configuration directory. imgform writes only below the directory that holds the configuration.", raw))
	}
	if problem := formatProblem(raw, p); problem != "" {
		return fail("Unsupported output format", problem)
	}
	if escape := c.links.Escape(p); escape != "" {
		return fail("Output path leaves the configuration directory", fmt.Sprintf("The output path %q goes through the symbolic link %q, which points outside the configuration directory. imgform writes only below the directory that holds the configuration.", raw, escape))
	}
	key := strings.ToLower(p)
	if prev, ok := c.seen[key]; ok {
		what := "writes"
		if prev.path != p {
			what = fmt.Sprintf("writes %q, which differs from", p)
		}
		detail := fmt.Sprintf("%s %s %q, the output of %s declared at %s. Each output path belongs to one image or variant.", who, what, prev.path, prev.who, posString(prev.rng))
		if prev.path != p {
			detail += " Paths that differ only in case are the same file on macOS and Windows."
		}
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Duplicate output path", Detail: detail, Subject: rng.Ptr()}}
	}
	use := outputUse{path: p, who: who, rng: rng}
	if diags := c.checkFolders(use, key); diags.HasErrors() {
		return "", diags
	}
	c.seen[key] = use
	for d := path.Dir(key); d != "."; d = path.Dir(d) {
		if _, ok := c.folders[d]; !ok {
			c.folders[d] = use
		}
	}
	return p, nil
}

// checkFolders reports an output that another one needs as a folder, or
// one that needs as a folder a path another output writes as a file.
func (c *outputChecker) checkFolders(use outputUse, key string) hcl.Diagnostics {
	conflict := func(detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Conflicting output paths",
			Detail:   detail + " A path cannot be both a file and a folder; rename one of them.",
			Subject:  use.rng.Ptr(),
		}}
	}
	if prev, ok := c.folders[key]; ok {
		return conflict(fmt.Sprintf("%s writes the file %q, but %s, declared at %s, writes %q inside a folder of that name.",
			use.who, use.path, prev.who, posString(prev.rng), prev.path))
	}
	for d := path.Dir(key); d != "."; d = path.Dir(d) {
		if prev, ok := c.seen[d]; ok {
			return conflict(fmt.Sprintf("%s writes %q inside the folder %q, but %s, declared at %s, writes a file of that name.",
				use.who, use.path, prev.path, prev.who, posString(prev.rng)))
		}
	}
	return nil
}
