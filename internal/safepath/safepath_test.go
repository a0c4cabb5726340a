package safepath

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	for _, d := range []string{"inside", "real"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"out":           outside,                        // a folder elsewhere
		"in":            filepath.Join(dir, "real"),     // a folder inside
		"dangling":      filepath.Join(outside, "gone"), // where a write would go
		"inside/up":     "..",                           // relative, still inside
		"inside/escape": "../..",                        // relative, out
		"file.png":      filepath.Join(outside, "x.png"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]Problem{
		"a.png":                  0,
		"inside/a.png":           0,
		"in/a.png":               0,
		"inside/up/a.png":        0,
		"":                       Empty,
		"a\nb.png":               Control,
		`a\b.png`:                Backslash,
		"/etc/passwd":            Absolute,
		"../victim.txt":          Outside,
		"a/../../victim.txt":     Outside,
		".imgform/cache/x.png":   InStateDir,
		".IMGFORM/x.png":         InStateDir,
		"a//b.png":               NotClean,
		"out/a.png":              Symlink,
		"dangling/a.png":         Symlink,
		"inside/escape/x.png":    Symlink,
		"file.png":               Symlink,
		"out/deeper/still/a.png": Symlink,
	}
	for rel, want := range tests {
		err := Check(dir, rel)
		var perr *Error
		switch {
		case want == 0 && err != nil:
			t.Errorf("Check(%q) = %v, want nil", rel, err)
		case want != 0 && (!errors.As(err, &perr) || perr.Problem != want):
			t.Errorf("Check(%q) = %v, want problem %d", rel, err, want)
		}
	}
}

// A Resolver that found a folder missing looks at nothing below it, and
// still finds every link elsewhere, before and after.
func TestResolverRemembersMissingFolders(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	for name, target := range map[string]string{"out": outside, "file.png": filepath.Join(outside, "x.png")} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	r := NewResolver(dir)
	for _, c := range []struct{ path, want string }{
		{"file.png", "file.png"},
		{"new/a.png", ""},
		{"new/deeper/b.png", ""},
		{"out/a.png", "out"},
		{"new/c.png", ""},
		{"out/new/d.png", "out"},
	} {
		if got := r.Escape(c.path); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.path, got, c.want)
		}
	}
	if !r.absent["new"] || !r.absent["new/deeper"] {
		t.Errorf("the missing folders are not remembered: %v", r.absent)
	}
	for dir, want := range map[string]bool{"new": true, "new/deeper": true, "new/other": true, ".": false, "out": false, "out/gone": false} {
		if got := r.Absent(dir); got != want {
			t.Errorf("Absent(%q) = %v, want %v", dir, got, want)
		}
	}
}
