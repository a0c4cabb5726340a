package state_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// baseConfig declares a few images with a variable, a local, defaults, a
// for_each map and explicit and derived seeds.
const baseConfig = `
-- images.img.hcl --
variable "subject" {
  type    = string
  default = "castle"
}

locals {
  style = "cinematic, highly detailed"
}

defaults {
  scheduler      = "DPM++ 2M Karras"
  guidance_scale = 2.5
}

image "hero" {
  prompt              = "${var.subject} on a cliff at dusk, ${local.style}"
  negative_prompt     = "blurry, low quality"
  seed                = 1220429729
  num_inference_steps = 8
  output              = "assets/hero.png"
}

image "icon" {
  for_each = {
    sword  = "a steel sword"
    shield = "a wooden shield"
    potion = "a red potion"
  }
  prompt = "${each.value}, game icon"
  output = "icons/${each.key}.png"
}
`

// layoutOnly is baseConfig written differently: blocks split over two
// files and reordered, attributes reordered, the for_each map in another
// order, other whitespace and comments, numbers written otherwise.
const layoutOnly = `
-- b.img.hcl --
# Icons first this time.
image "icon" {
  output = "icons/${each.key}.png" # same place
  prompt = "${each.value}, game icon"
  for_each = { potion = "a red potion", shield = "a wooden shield", sword = "a steel sword" }
}

/* The hero image. */
image "hero" {
	output="assets/hero.png"
	num_inference_steps=8.0
	seed=1220429729
	negative_prompt="blurry, low quality"
	prompt="${var.subject} on a cliff at dusk, ${local.style}"
}
-- a.img.hcl --
defaults {
  guidance_scale = 2.50
  scheduler      = "DPM++ 2M Karras"
}
locals { style = "cinematic, highly detailed" }


variable "subject" {
  default = "castle"
  type    = string
}
`

// otherPlaces is baseConfig with every output somewhere else: the input
// hashes do not change (a move, not a regeneration).
const otherPlaces = `
-- images.img.hcl --
variable "subject" {
  type    = string
  default = "castle"
}

locals {
  style = "cinematic, highly detailed"
}

defaults {
  scheduler      = "DPM++ 2M Karras"
  guidance_scale = 2.5
}

image "hero" {
  prompt              = "${var.subject} on a cliff at dusk, ${local.style}"
  negative_prompt     = "blurry, low quality"
  seed                = 1220429729
  num_inference_steps = 8
  output              = "elsewhere/hero.jpg"
}

image "icon" {
  for_each = {
    sword  = "a steel sword"
    shield = "a wooden shield"
    potion = "a red potion"
  }
  prompt = "${each.value}, game icon"
  output = "art/icons/${each.key}.jpeg"
}
`

// loadHashes loads a configuration from a txtar archive and returns the
// input hash and the outputs of each image, by address.
func loadHashes(t *testing.T, archive string, opts spec.Options) (hashes map[string]state.Hash, outputs map[string][]string) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range txtar.Parse([]byte(archive)).Files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := spec.Load(t.Context(), dir, opts)
	if diags.HasErrors() {
		t.Fatalf("loading the configuration: %s", diags.Error())
	}
	hashes, outputs = map[string]state.Hash{}, map[string][]string{}
	for _, img := range cfg.Images {
		req := img.Request
		hashes[img.Addr.String()] = req.InputHash()
		outputs[img.Addr.String()] = img.Outputs
		enc := string(req.CanonicalEncoding())
		for _, o := range img.Outputs {
			if strings.Contains(enc, o) {
				t.Errorf("the canonical encoding of %s holds its output path %s", img.Addr, o)
			}
		}
	}
	if len(hashes) != 4 {
		t.Fatalf("want 4 images, got %d", len(hashes))
	}
	return hashes, outputs
}

func TestInputHashIndependentOfConfigLayout(t *testing.T) {
	base, baseOutputs := loadHashes(t, baseConfig, spec.Options{})
	tests := map[string]struct {
		archive      string
		opts         spec.Options
		otherOutputs bool // the outputs differ from the base's (and the hashes do not)
	}{
		"order, whitespace and comments": {archive: layoutOnly},
		"output paths":                   {archive: otherPlaces, otherOutputs: true},
		"API key and endpoint in the environment": {archive: baseConfig, opts: spec.Options{Environ: []string{
			"SEGMIND_API_KEY=SG_secret-key-0123456789", "SEGMIND_BASE_URL=http://127.0.0.1:9/",
		}}},
		"the variable's value given otherwise": {archive: strings.Replace(baseConfig, `default = "castle"`, `default = "fort"`, 1),
			opts: spec.Options{Vars: []string{"subject=castle"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, outputs := loadHashes(t, tc.archive, tc.opts)
			if diff := cmp.Diff(base, got); diff != "" {
				t.Errorf("input hashes (-base +got):\n%s", diff)
			}
			if sameOutputs := cmp.Equal(baseOutputs, outputs); sameOutputs == tc.otherOutputs {
				t.Errorf("outputs the same: %v, want %v", sameOutputs, !tc.otherOutputs)
			}
		})
	}

	// A change of value does change the hash: the test above would pass
	// for a hash of nothing.
	changed, _ := loadHashes(t, baseConfig, spec.Options{Vars: []string{"subject=fort"}})
	if changed[`image.hero`] == base[`image.hero`] {
		t.Errorf("another subject gives the same hash")
	}
	if changed[`image.icon["sword"]`] != base[`image.icon["sword"]`] {
		t.Errorf("image.icon does not use the variable, but its hash changed")
	}
}
