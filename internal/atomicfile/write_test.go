package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplacesAndCreatesDirectories(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b", "file.txt")
	for _, content := range []string{"first", "second"} {
		if err := WriteFile(p, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("read %q (%v), want %q", got, err, content)
		}
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v (%v), want 0640", fi.Mode().Perm(), err)
	}
}

// A write that fails part-way leaves the old content and no temporary
// file behind.
func TestWriteFailureKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state.json")
	if err := WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	err := Write(p, 0o644, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the writer's error", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("the file holds %q after a failed write, want the old content", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries after a failed write, want only the file", len(entries))
	}
}

func TestWriteGitignore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteGitignore(dir, "a cache"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil || string(got) != "# a cache: never commit it.\n*\n" {
		t.Fatalf(".gitignore = %q (%v)", got, err)
	}
	// An existing one is left as the user made it.
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteGitignore(dir, "a cache"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, ".gitignore")); string(got) != "mine\n" {
		t.Errorf("an existing .gitignore was replaced: %q", got)
	}
}

// Large files (an image's size) read back as they were given.
func TestWriteFileLarge(t *testing.T) {
	src := make([]byte, 2<<20)
	_, _ = rand.NewChaCha8([32]byte{3}).Read(src)
	for _, size := range []int{256<<10 - 1, 256 << 10, 1_800_123} {
		for _, offset := range []int{0, 1} { // the second is never aligned in memory
			data := src[offset : offset+size]
			p := filepath.Join(t.TempDir(), "big.png")
			if err := WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("size %d, offset %d: read back %d bytes, not the %d written", size, offset, len(got), len(data))
			}
		}
	}
}

// WriteFileIn writes inside its root, and a symbolic link that leads out
// of the root fails at the system call: nothing is written outside, and
// no temporary file is left inside.
func TestWriteFileInStaysInside(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := WriteFileIn(root, "assets/hero.png", []byte("image"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "assets", "hero.png")); err != nil || string(got) != "image" {
		t.Fatalf("the file inside: %q, %v", got, err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "linked")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := WriteFileIn(root, "linked/escape.png", []byte("x"), 0o644); err == nil {
		t.Fatal("a write through a link that leads out of the root succeeded")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("written outside the root: %v", entries)
	}
	if err := WriteFileIn(root, "../escape.png", []byte("x"), 0o644); err == nil {
		t.Error("a write to .. succeeded")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "assets"))
	if len(entries) != 1 {
		t.Errorf("left in assets/: %v", entries)
	}
}
