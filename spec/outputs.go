package spec

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// StateDirName is the directory imgform keeps beside the configuration for
// its cache and job journal. No output may be written into it.
const StateDirName = ".imgform"

// outputChecker validates output paths and finds two images writing the
// same file. It remembers which directories it has already resolved, so
// that ten thousand outputs in one folder cost one symlink walk.
type outputChecker struct {
	dir     string
	realDir string // the configuration directory with symlinks resolved
	dirs    map[string]string
	seen    map[string]outputUse // by path folded to lower case
	folders map[string]outputUse // the first output below each folder, folded
}

type outputUse struct {
	path string
	addr Address
	rng  hcl.Range
}

func newOutputChecker(dir string) *outputChecker {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		real = dir
	}
	if abs, err := filepath.Abs(real); err == nil {
		real = abs
	}
	return &outputChecker{dir: dir, realDir: real, dirs: map[string]string{}, seen: map[string]outputUse{}, folders: map[string]outputUse{}}
}

// check validates one output path and returns it cleaned and
// slash-separated.
func (c *outputChecker) check(raw string, addr Address, rng hcl.Range, inst string) (string, hcl.Diagnostics) {
	fail := func(summary, detail string) (string, hcl.Diagnostics) {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: instPrefix(inst) + detail, Subject: rng.Ptr()}}
	}
	if strings.TrimSpace(raw) == "" {
		return fail("Invalid output path", "An output path must not be empty. Write a path relative to the configuration directory, such as \"assets/hero.png\".")
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fail("Invalid output path", fmt.Sprintf("The output path %q contains a control character (such as a newline or a tab), which does not belong in a file name.", raw))
	}
	if strings.Contains(raw, `\`) {
		return fail("Invalid output path", fmt.Sprintf("The output path %q contains a backslash. Separate folders with / (as in \"assets/hero.png\"), which works on every system; the state records paths that way.", raw))
	}
	if filepath.IsAbs(raw) || strings.HasPrefix(raw, "/") || filepath.VolumeName(raw) != "" {
		return fail("Absolute output path", fmt.Sprintf("The output path %q is absolute. Outputs are written relative to the configuration directory, so that the project works wherever it is checked out; write it as a relative path such as \"assets/hero.png\".", raw))
	}
	p := path.Clean(filepath.ToSlash(raw))
	if p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return fail("Output path leaves the configuration directory", fmt.Sprintf("The output path %q points outside the configuration directory. imgform writes only below the directory that holds the configuration.", raw))
	}
	// Folded: on macOS and Windows .IMGFORM is the same folder.
	if lp := strings.ToLower(p); lp == StateDirName || strings.HasPrefix(lp, StateDirName+"/") {
		return fail("Output path inside .imgform", fmt.Sprintf("The output path %q is inside %s/, which holds imgform's own cache and job journal. Choose another folder.", raw, StateDirName))
	}
	if OutputFormat(p) == "" {
		return fail("Unsupported output format", fmt.Sprintf("The output path %q has the extension %q, which is not an image format imgform writes. Use .png (the default) or .jpg/.jpeg.", raw, path.Ext(p)))
	}
	if escape := c.symlinkEscape(p); escape != "" {
		return fail("Output path leaves the configuration directory", fmt.Sprintf("The output path %q goes through the symbolic link %q, which points outside the configuration directory. imgform writes only below the directory that holds the configuration.", raw, escape))
	}
	key := strings.ToLower(p)
	if prev, ok := c.seen[key]; ok {
		what := "writes"
		if prev.path != p {
			what = fmt.Sprintf("writes %q, which differs from", p)
		}
		detail := fmt.Sprintf("%s %s %q, the output of %s declared at %s. Each output path belongs to one image.", addr, what, prev.path, prev.addr, posString(prev.rng))
		if prev.path != p {
			detail += " Paths that differ only in case are the same file on macOS and Windows."
		}
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Duplicate output path", Detail: detail, Subject: rng.Ptr()}}
	}
	use := outputUse{path: p, addr: addr, rng: rng}
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
			use.addr, use.path, prev.addr, posString(prev.rng), prev.path))
	}
	for d := path.Dir(key); d != "."; d = path.Dir(d) {
		if prev, ok := c.seen[d]; ok {
			return conflict(fmt.Sprintf("%s writes %q inside the folder %q, but %s, declared at %s, writes a file of that name.",
				use.addr, use.path, prev.path, prev.addr, posString(prev.rng)))
		}
	}
	return nil
}

// symlinkEscape returns the first existing symbolic link on the way to p
// (the file itself included) that resolves outside the configuration
// directory, or "".
func (c *outputChecker) symlinkEscape(p string) string {
	if bad := c.dirEscape(path.Dir(p)); bad != "" {
		return bad
	}
	return c.linkEscape(p)
}

func (c *outputChecker) dirEscape(rel string) string {
	if rel == "." {
		return ""
	}
	if bad, ok := c.dirs[rel]; ok {
		return bad
	}
	bad := c.dirEscape(path.Dir(rel))
	if bad == "" {
		bad = c.linkEscape(rel)
	}
	c.dirs[rel] = bad
	return bad
}

// linkEscape checks one path: when it is a symbolic link, it must resolve
// below the configuration directory.
func (c *outputChecker) linkEscape(rel string) string {
	full := filepath.Join(c.dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(full)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return ""
	}
	target, err := filepath.EvalSymlinks(full)
	if err != nil {
		// A dangling link: where it points is where a write would go.
		dest, rerr := os.Readlink(full)
		if rerr != nil {
			return rel
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(full), dest)
		}
		target = dest
	}
	if abs, err := filepath.Abs(target); err == nil {
		target = abs
	}
	if target == c.realDir || strings.HasPrefix(target, c.realDir+string(filepath.Separator)) {
		return ""
	}
	return rel
}
