package plan

import (
	"os"
	"path/filepath"
	"testing"
)

// A file not in the state is found at an output path in any folder; a
// folder that does not exist is looked at once, and nothing below it is.
func TestExistsUnrecorded(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"top.png", "a/b/file.png"} {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := &builder{opts: Options{Dir: dir}, recorded: map[string]bool{"a/b/recorded.png": true}}
	for _, c := range []struct {
		out  string
		want bool
	}{
		{"top.png", true},
		{"new.png", false},
		{"x/y/z.png", false},
		{"a/b/file.png", true},
		{"a/b/new.png", false},
		{"a/new/z.png", false},
		{"x/y/other.png", false},
		{"top.png/inside.png", false},
	} {
		if got := b.existsUnrecorded(c.out, nil); got != c.want {
			t.Errorf("existsUnrecorded(%q) = %v, want %v", c.out, got, c.want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "b", "recorded.png"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b.existsUnrecorded("a/b/recorded.png", nil) {
		t.Error("a file the state records is reported as unrecorded")
	}
	for _, d := range []string{"x", "x/y", "a/new"} {
		if !b.folders.Absent(d) {
			t.Errorf("the missing folder %q is not known missing", d)
		}
	}
	if b.folders.Absent("a") || b.folders.Absent("a/b") {
		t.Error("an existing folder is taken for a missing one")
	}
}
