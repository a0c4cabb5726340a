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
