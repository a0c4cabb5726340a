package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state/local"
)

// copyTree copies the directory src into a new temporary directory.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// A state written by the first release (testdata/release-1, format
// version 1) reads as it is: the input hashes of its requests and the
// seeds derived from its addresses are what this imgform computes, and it
// plans clean. Only the offline placeholder is replaced by a plan for an
// API, as it always was.
func TestReleaseStatePlansClean(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "release-1"))

	// Load checks every entry's input hash against its request.
	st, err := local.Open(filepath.Join(dir, "imgform.state.json")).Load(t.Context())
	if err != nil {
		t.Fatalf("the release's state does not load: %v", err)
	}
	if len(st.Images) != 9 || st.Version != 1 {
		t.Fatalf("the state holds %d images, format %d; want 9, 1", len(st.Images), st.Version)
	}
	for addr, e := range st.Images {
		if e.SeedOrigin != string(spec.SeedDerived) {
			continue
		}
		a, err := spec.ParseAddress(addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := spec.DeriveSeed(a); got != e.Request.Seed() {
			t.Errorf("%s: derived seed %d, the release recorded %d", addr, got, e.Request.Seed())
		}
	}

	before, err := os.ReadFile(filepath.Join(dir, "imgform.state.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, code := runImgform(t, dir, nil, "plan", "--offline", "--detailed-exitcode")
	if code != 0 {
		t.Errorf("plan --offline of the release's project: exit %d, want 0 (no changes):\n%s", code, out)
	}
	// Against an API, only what was made offline is to be replaced.
	out, code = runImgform(t, dir, []string{"SEGMIND_BASE_URL=http://127.0.0.1:1", "SEGMIND_API_KEY=k"}, "plan", "--detailed-exitcode")
	if code != 2 || !strings.Contains(out, "# image.sketch must be replaced") ||
		!strings.Contains(out, "Plan: 0 to create, 1 to replace, 0 to move, 0 to restore, 0 to delete.") {
		t.Errorf("plan against an API: exit %d; want the offline image replaced and nothing else:\n%s", code, out)
	}
	// A no-op apply leaves the release's file byte-identical (version 1
	// and all).
	if out, code := runImgform(t, dir, nil, "apply", "--offline", "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	after, err := os.ReadFile(filepath.Join(dir, "imgform.state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("a no-op apply rewrote the release's state:\n%s", after)
	}
}
