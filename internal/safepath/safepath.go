package safepath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// StateDirName is the directory imgform keeps beside the configuration for
// its cache and job journal. No output may be written into it.
const StateDirName = ".imgform"

// Problem says what is wrong with a path.
type Problem int

const (
	Empty       Problem = iota + 1 // nothing but spaces
	Control                        // a control character
	Backslash                      // a \ (folders are separated with /)
	Absolute                       // absolute, or with a volume name
	Outside                        // .. leaves the directory
	InStateDir                     // inside .imgform
	Symlink                        // through a symbolic link that leads outside
	NotClean                       // not in its clean form (a//b, a/./b)
	NotPortable                    // a name Windows cannot hold (CON, aux.png, a trailing dot, a colon)
)

// Error is a path imgform may not write. Link is the symbolic link on the
// way, for Symlink.
type Error struct {
	Path    string
	Problem Problem
	Link    string
}

func (e *Error) Error() string {
	switch e.Problem {
	case Empty:
		return "an output path must not be empty"
	case Control:
		return fmt.Sprintf("the path %q contains a control character", e.Path)
	case Backslash:
		return fmt.Sprintf("the path %q contains a backslash; folders are separated with /", e.Path)
	case Absolute:
		return fmt.Sprintf("the path %q is absolute; imgform writes only relative to the configuration directory", e.Path)
	case Outside:
		return fmt.Sprintf("the path %q leaves the configuration directory", e.Path)
	case InStateDir:
		return fmt.Sprintf("the path %q is inside %s/, which holds imgform's own files", e.Path, StateDirName)
	case Symlink:
		return fmt.Sprintf("the path %q goes through the symbolic link %q, which leads outside the configuration directory", e.Path, e.Link)
	case NotClean:
		return fmt.Sprintf("the path %q is not in its clean form", e.Path)
	case NotPortable:
		return fmt.Sprintf("the path %q cannot be checked out on Windows: %s", e.Path, e.Link)
	}
	return fmt.Sprintf("the path %q cannot be used", e.Path)
}

// Clean checks rel without looking at the filesystem and returns it
// cleaned and slash-separated.
func Clean(rel string) (string, *Error) {
	bad := func(p Problem) (string, *Error) { return "", &Error{Path: rel, Problem: p} }
	switch {
	case strings.TrimSpace(rel) == "":
		return bad(Empty)
	case strings.ContainsFunc(rel, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return bad(Control)
	case strings.Contains(rel, `\`):
		return bad(Backslash)
	case filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") || filepath.VolumeName(rel) != "":
		return bad(Absolute)
	}
	p := path.Clean(filepath.ToSlash(rel))
	if p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return bad(Outside)
	}
	// Folded: on macOS and Windows .IMGFORM is the same folder.
	if lp := strings.ToLower(p); lp == StateDirName || strings.HasPrefix(lp, StateDirName+"/") {
		return bad(InStateDir)
	}
	for _, part := range strings.Split(p, "/") {
		if why := windowsProblem(part); why != "" {
			return "", &Error{Path: rel, Problem: NotPortable, Link: why}
		}
	}
	return p, nil
}

// reservedNames are the device names Windows reserves, with or without an
// extension, in any case.
var reservedNames = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true}

// windowsProblem says why Windows cannot hold a file or folder of this
// name, or "". A team's repository is checked out there too.
func windowsProblem(name string) string {
	base, _, _ := strings.Cut(name, ".")
	switch {
	case reservedNames[strings.ToUpper(strings.TrimRight(base, " "))]:
		return fmt.Sprintf("%q is a device name Windows reserves", name)
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, " "):
		return fmt.Sprintf("%q ends with a dot or a space, which Windows drops", name)
	case strings.ContainsAny(name, `<>:"|?*`):
		return fmt.Sprintf("%q holds one of the characters < > : \" | ? *", name)
	}
	return ""
}

// Check reports whether rel may be written, renamed or removed below dir,
// looking at the filesystem as it is now: Clean's rules, and every
// existing component of the path (the file itself included) that is a
// symbolic link must resolve inside dir.
func Check(dir, rel string) error {
	clean, err := Clean(rel)
	if err != nil {
		return err
	}
	if clean != rel {
		return &Error{Path: rel, Problem: NotClean}
	}
	r := NewResolver(dir)
	if link := r.Escape(clean); link != "" {
		return &Error{Path: rel, Problem: Symlink, Link: link}
	}
	return nil
}

// Resolver finds symbolic links that lead out of a directory. It
// remembers the folders it has resolved, so that ten thousand outputs in
// one folder cost one walk, and the folders that do not exist, so that a
// hundred thousand new outputs in a new folder cost no look at each file;
// use a new one where the filesystem may have changed since.
type Resolver struct {
	dir     string
	realDir string // dir with its own symbolic links resolved
	dirs    map[string]string
	absent  map[string]bool // folders found not to exist
}

// NewResolver returns a Resolver for the directory dir.
func NewResolver(dir string) *Resolver {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		real = dir
	}
	if abs, err := filepath.Abs(real); err == nil {
		real = abs
	}
	return &Resolver{dir: dir, realDir: real, dirs: map[string]string{}, absent: map[string]bool{}}
}

// Escape returns the first existing symbolic link on the way to the clean
// path p (the file itself included) that resolves outside the directory,
// or "".
func (r *Resolver) Escape(p string) string {
	dir := path.Dir(p)
	if bad := r.dirEscape(dir); bad != "" || r.absent[dir] {
		return bad // a file in a folder that does not exist is no link
	}
	bad, _ := r.linkEscape(p)
	return bad
}

// Absent reports a folder (clean and slash-separated, as Escape takes
// paths) that does not exist, or one of whose parents does not: nothing
// below it exists either. A folder it cannot tell of (behind a link out
// of the directory) is not reported absent.
func (r *Resolver) Absent(dir string) bool {
	return r.dirEscape(dir) == "" && r.absent[dir]
}

func (r *Resolver) dirEscape(rel string) string {
	if rel == "." {
		return ""
	}
	if bad, ok := r.dirs[rel]; ok {
		return bad
	}
	parent := path.Dir(rel)
	bad := r.dirEscape(parent)
	if bad == "" {
		if r.absent[parent] {
			r.absent[rel] = true
		} else {
			bad, r.absent[rel] = r.linkEscape(rel)
		}
	}
	r.dirs[rel] = bad
	return bad
}

// linkEscape checks one path: when it is a symbolic link, it must resolve
// below the directory. absent reports a path that does not exist.
func (r *Resolver) linkEscape(rel string) (bad string, absent bool) {
	full := filepath.Join(r.dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(full)
	if err != nil {
		return "", errors.Is(err, fs.ErrNotExist)
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		return "", false
	}
	target, err := filepath.EvalSymlinks(full)
	if err != nil {
		// A dangling link: where it points is where a write would go.
		dest, rerr := os.Readlink(full)
		if rerr != nil {
			return rel, false
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(full), dest)
		}
		target = dest
	}
	if abs, err := filepath.Abs(target); err == nil {
		target = abs
	}
	if target == r.realDir || strings.HasPrefix(target, r.realDir+string(filepath.Separator)) {
		return "", false
	}
	return rel, false
}

// SameFile reports whether two paths name one file: the same file when
// both exist, else the same absolute path.
func SameFile(a, b string) bool {
	ai, err1 := os.Stat(a)
	bi, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(ai, bi)
	}
	aa, err1 := filepath.Abs(a)
	ba, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ba
}
