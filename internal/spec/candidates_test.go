package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCandidates(t *testing.T) {
	dir := writeArchive(t, `
-- main.img.hcl --
image "hero" {
  prompt     = "castle"
  candidates = 4
  output     = "hero.png"
}
image "icon" {
  for_each   = toset(["sword", "bow"])
  prompt     = "a ${each.key}"
  candidates = 3
  output     = "icons/${each.key}.png"
}
moved {
  from = image.old_icon
  to   = image.icon
}
-- imgform.picks.json --
{
  "picks": {
    "image.hero": {"candidate": 3, "seed": 99},
    "image.old_icon[\"bow\"]": {"candidate": 2, "seed": 7}
  },
  "version": 1
}
`)
	cfg, diags := Load(t.Context(), dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	hero := cfg.Lookup(mustAddress(t, "image.hero"))
	if hero.Candidates != 4 || hero.Picked == nil || hero.Picked.Candidate != 3 || hero.Request.Seed() != 99 || hero.SeedOrigin != SeedPicked {
		t.Errorf("image.hero: %d candidates, picked %+v, seed %d (%s)", hero.Candidates, hero.Picked, hero.Request.Seed(), hero.SeedOrigin)
	}
	// Candidate 1 is the image's derived seed; the others differ from it
	// and from each other, and depend only on the address.
	reqs := hero.CandidateRequests()
	if len(reqs) != 4 || reqs[0].Seed() != DeriveSeed(hero.Addr) {
		t.Fatalf("candidate requests %d, first seed %d", len(reqs), reqs[0].Seed())
	}
	seen := map[int64]bool{}
	for _, r := range reqs {
		if seen[r.Seed()] || r.Prompt() != "castle" {
			t.Errorf("candidate seeds %v", reqs)
		}
		seen[r.Seed()] = true
	}
	// A pick made at an address a moved block renamed follows its image.
	bow := cfg.Lookup(mustAddress(t, `image.icon["bow"]`))
	if bow.Picked == nil || bow.Request.Seed() != 7 {
		t.Errorf(`image.icon["bow"] picked %+v, seed %d`, bow.Picked, bow.Request.Seed())
	}
	sword := cfg.Lookup(mustAddress(t, `image.icon["sword"]`))
	if sword.Picked != nil || sword.Request.Seed() != CandidateSeed(sword.Request.Schema(), sword.Addr, 1) || sword.SeedOrigin != SeedDerived {
		t.Errorf(`image.icon["sword"] with no pick: %+v, seed %d`, sword.Picked, sword.Request.Seed())
	}
	if !cmp.Equal(cfg.Sources[len(cfg.Sources)-1], dir+"/imgform.picks.json") && !containsString(cfg.Sources, dir+"/imgform.picks.json") {
		t.Errorf("sources %v do not hold the picks file", cfg.Sources)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func mustAddress(t *testing.T, s string) Address {
	t.Helper()
	a, err := ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCandidateDiagnostics(t *testing.T) {
	for name, tc := range map[string]struct {
		files string
		want  []diag
	}{
		"seed and candidates": {`
-- main.img.hcl --

image "a" {
  prompt     = "x"
  seed       = 5
  candidates = 3
  output     = "a.png"
}`, []diag{{Summary: "Conflicting seed and candidates", File: "main.img.hcl", Line: 5, Detail: `Remove "seed" to pick among candidates`}}},
		"out of range": {`
-- main.img.hcl --

image "a" {
  prompt     = "x"
  candidates = 17
  output     = "a.png"
}`, []diag{{Summary: "Invalid value for candidates", File: "main.img.hcl", Line: 4, Detail: "from 2 to 16"}}},
		"a broken picks file": {`
-- main.img.hcl --
image "a" {
  prompt     = "x"
  candidates = 2
  output     = "a.png"
}
-- imgform.picks.json --
{
  "picks": {
    "image.a": {"seed": 1,}
  },
  "version": 1
}`, []diag{{Summary: "Cannot read imgform.picks.json", File: "imgform.picks.json", Line: 3, Detail: "invalid character"}}},
		"a pick of an image without candidates": {`
-- main.img.hcl --
image "a" {
  prompt = "x"
  output = "a.png"
}
-- imgform.picks.json --
{
  "picks": {
    "image.a": {"candidate": 2, "seed": 1}
  },
  "version": 1
}`, []diag{{Summary: "Pick of an image without candidates", File: "imgform.picks.json", Line: 3, Detail: "has no candidates", Warning: true}}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeArchive(t, tc.files)
			_, diags := Load(t.Context(), dir, Options{})
			if diff := cmp.Diff(tc.want, summarize(dir, diags, tc.want)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}
