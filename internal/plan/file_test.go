package plan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
)

// cmpPlans compares plans as JSON sees them: an empty list is a missing
// one.
var cmpPlans = cmp.Options{cmpopts.EquateEmpty()}

func TestSaveLoadRoundTrip(t *testing.T) {
	tests := map[string]func(*testing.T) *Plan{
		"every action": goldenPlan,
		"no changes":   noChangePlan,
	}
	for name, mk := range tests {
		t.Run(name, func(t *testing.T) {
			p := mk(t)
			path := filepath.Join(t.TempDir(), "out", "imgform.plan")
			from := Saved{ConfigDigest: strings.Repeat("ab", 32), Sources: []string{"a.img.hcl", "prompts/b.txt"}}
			if err := Save(path, p, from); err != nil {
				t.Fatal(err)
			}
			if !IsPlanFile(path) {
				t.Errorf("IsPlanFile does not recognise a saved plan")
			}
			got, gotFrom, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, got, cmpPlans); diff != "" {
				t.Errorf("plan (-saved +loaded):\n%s", diff)
			}
			if diff := cmp.Diff(from, gotFrom); diff != "" {
				t.Errorf("what it was made from (-saved +loaded):\n%s", diff)
			}
		})
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	stateFile := filepath.Join(dir, "imgform.state.json")
	data, err := state.Marshal(newState())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "imgform.state.json", data)
	writeFile(t, dir, "newer.plan", []byte(`{"format_version": "3.0", "kind": "imgform-plan", "plan": {"changes": []}}`))
	writeFile(t, dir, "garbage.plan", []byte("PK\x03\x04"))
	writeFile(t, dir, "noplan.plan", []byte(`{"format_version": "2.0", "kind": "imgform-plan"}`))
	writeFile(t, dir, "action.plan", []byte(`{"format_version": "2.0", "kind": "imgform-plan", "plan": {"changes": [{"address": "image.a", "action": "chmod"}]}}`))
	writeFile(t, dir, "unknown.plan", []byte(`{"format_version": "2.0", "kind": "imgform-plan", "plan": {"changes": [{"address": "image.a", "action": "create", "input_hash": null, "after_unknown": {"input_hash": true, "request": {"seed": true}}}]}}`))
	writeFile(t, dir, "generator.plan", []byte(`{"format_version": "2.0", "kind": "imgform-plan", "plan": {"changes": [{"address": "image.a", "action": "create", "generator": "dall-e"}]}}`))

	tests := map[string]struct {
		path     string
		contains string
		planLike bool // IsPlanFile takes it for a plan (show then reports Load's error)
	}{
		"a state file":         {path: stateFile, contains: "is not an imgform plan file"},
		"garbage":              {path: filepath.Join(dir, "garbage.plan"), contains: "is not an imgform plan file"},
		"no plan":              {path: filepath.Join(dir, "noplan.plan"), contains: "is not an imgform plan file", planLike: true},
		"a newer format":       {path: filepath.Join(dir, "newer.plan"), contains: "plan format 3.0", planLike: true},
		"a seed not chosen":    {path: filepath.Join(dir, "unknown.plan"), contains: "only a plan saved with plan --out, which fixes the seed, can be applied", planLike: true},
		"missing":              {path: filepath.Join(dir, "missing.plan"), contains: "reading plan file"},
		"an unknown action":    {path: filepath.Join(dir, "action.plan"), contains: `the action "chmod"`, planLike: true},
		"an unknown generator": {path: filepath.Join(dir, "generator.plan"), contains: `the generator "dall-e"`, planLike: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, _, err := Load(tc.path)
			if err == nil || p != nil || !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("Load: %v, %v; want an error saying %q", p, err, tc.contains)
			}
			if IsPlanFile(tc.path) != tc.planLike {
				t.Errorf("IsPlanFile = %v, want %v", !tc.planLike, tc.planLike)
			}
		})
	}
}

// savedProject is a configuration directory with a plan made from it.
type savedProject struct {
	dir  string
	cfg  *spec.Config
	plan *Plan
	from Saved
}

func newSavedProject(t *testing.T) *savedProject {
	t.Helper()
	dir := t.TempDir()
	cfg := loadConfig(t, dir, `
-- main.img.hcl --
image "hero" {
  prompt = file("prompts/hero.txt")
  output = "hero.png"
}
-- prompts/hero.txt --
a castle on a cliff
`)
	if len(cfg.Sources) != 2 {
		t.Fatalf("want the config file and the prompt among the sources, got %v", cfg.Sources)
	}
	st := newState()
	st.Serial = 4
	p, err := Make(t.Context(), cfg.Images, st, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	digest, err := ConfigDigest(cfg.Sources)
	if err != nil {
		t.Fatal(err)
	}
	return &savedProject{dir: dir, cfg: cfg, plan: p, from: Saved{ConfigDigest: digest, Sources: cfg.Sources}}
}

func (sp *savedProject) configFiles(t *testing.T) []string {
	t.Helper()
	files, err := spec.ConfigFiles(sp.dir)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestCheckFresh(t *testing.T) {
	tests := map[string]struct {
		edit     func(t *testing.T, sp *savedProject) // what happens between plan and apply
		lineage  string                               // "" is the plan's
		serial   uint64                               // 0 is the plan's
		contains string                               // "" is fresh
	}{
		"nothing changed": {},
		"another lineage": {lineage: "11111111-2222-4333-8444-555555555555", contains: "state lineage"},
		"another serial":  {serial: 5, contains: "serial 4 then, 5 now"},
		"a config file changed": {
			edit: func(t *testing.T, sp *savedProject) {
				writeFile(t, sp.dir, "main.img.hcl", []byte("image \"hero\" {\n  prompt = \"x\"\n  output = \"hero.png\"\n}\n"))
			},
			contains: "configuration files changed",
		},
		"a file read with file() changed": {
			edit: func(t *testing.T, sp *savedProject) {
				writeFile(t, sp.dir, "prompts/hero.txt", []byte("a castle at dawn\n"))
			},
			contains: "configuration files changed",
		},
		"a config file added": {
			edit:     func(t *testing.T, sp *savedProject) { writeFile(t, sp.dir, "more.img.hcl", []byte("# nothing yet\n")) },
			contains: "configuration files changed",
		},
		"a config file removed": {
			edit:     func(t *testing.T, sp *savedProject) { remove(t, sp.dir, "main.img.hcl") },
			contains: "configuration files changed",
		},
		"another file in the directory": {
			edit: func(t *testing.T, sp *savedProject) { writeFile(t, sp.dir, "notes.txt", []byte("not config")) },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sp := newSavedProject(t)
			if tc.edit != nil {
				tc.edit(t, sp)
			}
			lineage, serial := sp.plan.Lineage, sp.plan.Serial
			if tc.lineage != "" {
				lineage = tc.lineage
			}
			if tc.serial != 0 {
				serial = tc.serial
			}
			err := sp.plan.CheckFresh(lineage, serial, sp.from, sp.configFiles(t))
			if tc.contains == "" {
				if err != nil {
					t.Errorf("CheckFresh: %v", err)
				}
				return
			}
			var stale *StaleError
			if !errors.As(err, &stale) || !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("CheckFresh: %v; want a *StaleError saying %q", err, tc.contains)
			}
		})
	}
}

// TestCheckFreshBeforeTheFirstApply: a plan made where there is no state
// file yet applies while there still is none, and is stale once one has
// been written.
func TestCheckFreshBeforeTheFirstApply(t *testing.T) {
	dir := t.TempDir()
	statePath := filepath.Join(dir, "imgform.state.json")
	backend := local.Open(statePath)
	st, err := backend.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Make(t.Context(), []*spec.Image{hero(t)}, st, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if p.Lineage != "" || p.Serial != 0 {
		t.Fatalf("a plan without a state file: lineage %q, serial %d", p.Lineage, p.Serial)
	}
	if err := p.CheckFresh(st.Lineage, st.Serial, Saved{ConfigDigest: mustDigest(t, nil)}, nil); err != nil {
		t.Errorf("CheckFresh before any state was written: %v", err)
	}

	applyPlan(t, dir, st, p)
	if _, err := backend.Save(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	if st, err = local.Open(statePath).Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	err = p.CheckFresh(st.Lineage, st.Serial, Saved{ConfigDigest: mustDigest(t, nil)}, nil)
	var stale *StaleError
	if !errors.As(err, &stale) {
		t.Errorf("CheckFresh after a state was written: %v; want a *StaleError", err)
	}
}

func mustDigest(t *testing.T, files []string) string {
	t.Helper()
	d, err := ConfigDigest(files)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConfigDigest(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.img.hcl")
	b := filepath.Join(dir, "b.img.hcl")
	writeFile(t, dir, "a.img.hcl", []byte("image \"a\" {}\n"))
	writeFile(t, dir, "b.img.hcl", []byte("image \"b\" {}\n"))
	base := mustDigest(t, []string{a, b})

	if got := mustDigest(t, []string{b, a}); got != base {
		t.Errorf("the digest depends on the order of the files")
	}
	if got := mustDigest(t, []string{a, b}); got != base {
		t.Errorf("the digest is not stable")
	}
	if len(base) != 64 {
		t.Errorf("digest %q is not a hex SHA-256", base)
	}

	tests := map[string]func(t *testing.T) []string{
		"content changed": func(t *testing.T) []string {
			writeFile(t, dir, "a.img.hcl", []byte("image \"a\" { }\n"))
			return []string{a, b}
		},
		"a file added": func(t *testing.T) []string {
			writeFile(t, dir, "c.img.hcl", nil)
			return []string{a, b, filepath.Join(dir, "c.img.hcl")}
		},
		"a file left out": func(t *testing.T) []string { return []string{a} },
		"content moved between files": func(t *testing.T) []string {
			writeFile(t, dir, "a.img.hcl", []byte("image \"a\" {}\nimage \"b\" {}\n"))
			writeFile(t, dir, "b.img.hcl", nil)
			return []string{a, b}
		},
		"a file renamed": func(t *testing.T) []string {
			if err := os.Rename(b, filepath.Join(dir, "c.img.hcl")); err != nil {
				t.Fatal(err)
			}
			return []string{a, filepath.Join(dir, "c.img.hcl")}
		},
	}
	restore := func() {
		writeFile(t, dir, "a.img.hcl", []byte("image \"a\" {}\n"))
		writeFile(t, dir, "b.img.hcl", []byte("image \"b\" {}\n"))
		os.Remove(filepath.Join(dir, "c.img.hcl"))
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			defer restore()
			if got := mustDigest(t, change(t)); got == base {
				t.Errorf("the digest did not change")
			}
		})
	}
	if got := mustDigest(t, []string{a, b}); got != base {
		t.Errorf("the digest of the restored files differs")
	}
}
