package apply

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/state"
)

// tree lists every file and directory under dir, slash-separated, with a
// trailing slash for directories.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// mkfiles creates files (with their path as content) under dir.
func mkfiles(t *testing.T, dir string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFilesWrite(t *testing.T) {
	dir := t.TempDir()
	f := files{dir: dir}
	data := []byte("image bytes")
	out, err := f.write("art/icons/sword.png", data)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "art", "icons", "sword.png"))
	if err != nil {
		t.Fatal(err)
	}
	want := state.Output{Path: "art/icons/sword.png", SHA256: state.SumBytes(data), Size: int64(len(data)), ModTime: fi.ModTime().UTC()}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("output record (-want +got):\n%s", diff)
	}

	// A second write replaces the file.
	data2 := []byte("other image bytes")
	out, err = f.write("art/icons/sword.png", data2)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "art", "icons", "sword.png")); string(got) != string(data2) || out.SHA256 != state.SumBytes(data2) {
		t.Errorf("after a rewrite: file %q, recorded hash %s", got, out.SHA256.Short())
	}
	if diff := cmp.Diff([]string{"art/", "art/icons/", "art/icons/sword.png"}, tree(t, dir)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestFilesWriteParentIsAFile(t *testing.T) {
	for _, rel := range []string{"hero.png/big.png", "hero.png/deep/big.png"} {
		t.Run(rel, func(t *testing.T) {
			dir := t.TempDir()
			mkfiles(t, dir, "hero.png")
			_, err := files{dir: dir}.write(rel, []byte("x"))
			if err == nil {
				t.Fatal("writing below a file succeeded")
			}
			if want := "cannot write " + rel + ": a part of its directory path is a file, not a directory"; err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if diff := cmp.Diff([]string{"hero.png"}, tree(t, dir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilesRename(t *testing.T) {
	tests := []struct {
		name     string
		existing []string
		from, to string
		want     []string
	}{
		{"to a new directory, tidying the old", []string{"a/b/x.png"}, "a/b/x.png", "c/d/y.png",
			[]string{"c/", "c/d/", "c/d/y.png"}},
		{"a directory with other files stays", []string{"a/b/x.png", "a/keep.txt"}, "a/b/x.png", "y.png",
			[]string{"a/", "a/keep.txt", "y.png"}},
		{"within one directory", []string{"a/x.png"}, "a/x.png", "a/y.png",
			[]string{"a/", "a/y.png"}},
		{"from the top, the configuration directory stays", []string{"x.png"}, "x.png", "out/x.png",
			[]string{"out/", "out/x.png"}},
		{"onto an existing file", []string{"x.png", "y.png"}, "x.png", "y.png",
			[]string{"y.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mkfiles(t, dir, tt.existing...)
			if err := (files{dir: dir}).rename(tt.from, tt.to); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tree(t, dir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.to))); string(got) != tt.from {
				t.Errorf("%s holds %q, want the content of %s", tt.to, got, tt.from)
			}
		})
	}
	t.Run("a missing source is an error", func(t *testing.T) {
		err := files{dir: t.TempDir()}.rename("gone.png", "new.png")
		if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "gone.png") {
			t.Errorf("rename of a missing file: %v", err)
		}
	})
}

func TestFilesRemove(t *testing.T) {
	tests := []struct {
		name     string
		existing []string
		remove   string
		want     []string
	}{
		{"tidies the directories it empties", []string{"a/b/c/x.png"}, "a/b/c/x.png", nil},
		{"stops at a directory that is not empty", []string{"a/b/x.png", "a/other.png"}, "a/b/x.png",
			[]string{"a/", "a/other.png"}},
		{"an empty sibling directory is left alone", []string{"a/b/x.png", "a/b/y.png", "a/e/"}, "a/b/x.png",
			[]string{"a/", "a/b/", "a/b/y.png", "a/e/"}},
		{"at the top: the configuration directory stays", []string{"x.png"}, "x.png", nil},
		{"a missing file is no error", []string{"a/y.png"}, "a/x.png", []string{"a/", "a/y.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, p := range tt.existing {
				if strings.HasSuffix(p, "/") {
					if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				mkfiles(t, dir, p)
			}
			if err := (files{dir: dir}).remove(tt.remove); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tree(t, dir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(dir); err != nil {
				t.Errorf("the configuration directory: %v", err)
			}
		})
	}
}

func TestFilesStat(t *testing.T) {
	dir := t.TempDir()
	mkfiles(t, dir, "x.png")
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "x.png"), when, when); err != nil {
		t.Fatal(err)
	}
	recorded := state.Output{Path: "x.png", SHA256: testHash("recorded"), Size: 5, RequestID: "r"}
	got, err := files{dir: dir}.stat(recorded)
	if err != nil {
		t.Fatal(err)
	}
	want := recorded
	want.ModTime = when
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stat (-want +got):\n%s", diff)
	}
	if _, err := (files{dir: dir}).stat(state.Output{Path: "gone.png"}); err == nil {
		t.Error("stat of a missing file succeeded")
	}
}
