package apply

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// An imported file is recorded so that the next plan finds it up to date.
func TestImport(t *testing.T) {
	w := newWorkspace(t)
	hero := testImage("hero", 0, "a lighthouse", "art/hero.png")
	data := pngBytes(t)
	if err := os.MkdirAll(w.path("art"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.path("art/hero.png"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	st := state.New()
	e, err := Import(w.dir, st, hero, []string{"art/hero.png"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Generator != state.GeneratorImported || e.Outputs[0].SHA256 != state.SumBytes(data) || e.Outputs[0].Size != int64(len(data)) || st.Images[hero.Addr.String()] != e {
		t.Errorf("entry %+v", e)
	}
	p, err := plan.Make(t.Context(), []*spec.Image{hero}, st, plan.Options{Dir: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasChanges() {
		t.Errorf("the plan after an import has changes: %+v", p.Changes)
	}

	if _, err := Import(w.dir, st, hero, []string{"art/hero.png"}); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Errorf("importing twice: %v", err)
	}
}

// Import refuses, and records nothing, for a wrong count of files, a link,
// a folder, or a path that leaves the directory.
func TestImportRefuses(t *testing.T) {
	w := newWorkspace(t)
	outside := filepath.Join(t.TempDir(), "elsewhere.png")
	if err := os.WriteFile(outside, pngBytes(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, w.path("link.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(w.path("folder.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rels []string
		want string
	}{
		{[]string{"a.png", "b.png"}, "give one PATH for each"},
		{[]string{"link.png"}, "link.png"},
		{[]string{"folder.png"}, "not a regular file"},
		{[]string{"../elsewhere.png"}, "refusing to touch"},
		{[]string{"missing.png"}, "missing.png"},
	}
	for _, tt := range tests {
		st := state.New()
		_, err := Import(w.dir, st, testImage("hero", 0, "x", "hero.png"), tt.rels)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Import(%v): %v; want an error saying %q", tt.rels, err, tt.want)
		}
		if len(st.Images) != 0 {
			t.Errorf("Import(%v) recorded %v", tt.rels, st.Addresses())
		}
	}
}
