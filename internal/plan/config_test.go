package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/imgform/imgform/internal/spec"
)

// loadConfig writes a txtar archive into dir, replacing the *.img.hcl
// files there, and loads it.
func loadConfig(t *testing.T, dir, archive string) *spec.Config {
	t.Helper()
	old, err := filepath.Glob(filepath.Join(dir, "*"+spec.FileSuffix))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range txtar.Parse([]byte(archive)).Files {
		writeFile(t, dir, f.Name, f.Data)
	}
	cfg, diags := spec.Load(t.Context(), dir, spec.Options{})
	if diags.HasErrors() {
		t.Fatalf("loading the configuration: %s", diags.Error())
	}
	return cfg
}

const firstLayout = `
-- images.img.hcl --
variable "subject" {
  type    = string
  default = "castle"
}

locals {
  style = "cinematic, highly detailed"
  moods = ["calm", "stormy"]
}

defaults {
  negative_prompt = "blurry, low quality"
  guidance_scale  = 2.5
}

image "hero" {
  prompt              = "${var.subject} on a cliff at dusk, ${local.style}"
  seed                = 1220429729
  num_inference_steps = 8
  output              = "assets/hero.png"
}

image "icon" {
  for_each = {
    sword  = "a steel sword"
    shield = "a wooden shield"
  }
  prompt    = "${each.value}, game icon"
  scheduler = "DPM++ 2M Karras"
  output    = "icons/${each.key}.png"
}

image "frame" {
  count   = length(local.moods)
  prompt  = "lighthouse, ${local.moods[count.index]} sea"
  samples = 2
  outputs = ["frames/${count.index}-a.png", "frames/${count.index}-b.png"]
}
`

// secondLayout holds the same images as firstLayout: blocks reordered and
// split over files, attributes reordered, map entries reordered, other
// whitespace and comments, numbers written otherwise, and the variable
// and a local renamed without changing a value.
const secondLayout = `
-- frames.img.hcl --
/* Frames of the lighthouse. */
image "frame" {
  outputs = ["frames/${count.index}-a.png", "frames/${count.index}-b.png"]
  samples = 2.0
  prompt = "lighthouse, ${local.sea_moods[count.index]} sea"   # same prompt
  count = length(local.sea_moods)
}
-- main.img.hcl --
// Icons first.
image "icon" {
  output    = "icons/${each.key}.png"
  scheduler = "DPM++ 2M Karras"
  prompt    = "${each.value}, game icon"
  for_each  = { shield = "a wooden shield", sword = "a steel sword" }
}



image "hero" {
	output = "assets/hero.png"
	num_inference_steps = 8
	seed = 1220429729.0
	prompt = "${var.thing} on a cliff at dusk, ${local.look}"
}

defaults {
  guidance_scale  = 2.50
  negative_prompt = "blurry, low quality"
}
-- values.img.hcl --
locals {
  sea_moods = ["calm", "stormy"]
  look      = "cinematic, highly detailed"
}
variable "thing" {
  default = "castle"
  type    = string
}
`

// TestLayoutChangeIsNoOp: applying one layout of a configuration and
// planning another layout of the same images finds nothing to do.
func TestLayoutChangeIsNoOp(t *testing.T) {
	dir := t.TempDir()
	st := newState()
	first := loadConfig(t, dir, firstLayout)
	p, err := Make(t.Context(), first.Images, st, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Create != 5 || p.Summary.Generate != 7 {
		t.Fatalf("want 5 creates of 7 images, got %+v", p.Summary)
	}
	applyPlan(t, dir, st, p)

	for name, archive := range map[string]string{"same layout": firstLayout, "other layout": secondLayout} {
		t.Run(name, func(t *testing.T) {
			cfg := loadConfig(t, dir, archive)
			if diff := cmp.Diff(addresses(first.Images), addresses(cfg.Images)); diff != "" {
				t.Fatalf("the layouts declare other images (-first +second):\n%s", diff)
			}
			for _, verify := range []bool{false, true} {
				p, err := Make(t.Context(), cfg.Images, st, Options{Dir: dir, Verify: verify})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range p.Changes {
					t.Errorf("verify=%v: %s %s: %+v (diff %+v)", verify, c.Action, c.Address, c.Reasons, c.Diff)
				}
				if p.Summary.Unchanged != 5 || len(p.Refresh) != 0 {
					t.Errorf("verify=%v: summary %+v, refresh %v", verify, p.Summary, p.Refresh)
				}
			}
		})
	}

	// A change of value is seen: the test above would pass for a plan
	// that sees nothing.
	cfg := loadConfig(t, dir, secondLayout+"\n-- more.img.hcl --\nimage \"extra\" {\n  prompt = \"x\"\n  output = \"x.png\"\n}\n")
	changedHero := cfg.Images
	for _, img := range changedHero {
		if img.Addr.String() == "image.hero" {
			img.Request = img.Request.WithPrompt(img.Request.Prompt() + "!")
		}
	}
	p, err = Make(t.Context(), changedHero, st, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.Create != 1 || p.Summary.Replace != 1 {
		t.Errorf("want one create and one replace, got %+v", p.Summary)
	}
}

func addresses(images []*spec.Image) []string {
	var out []string
	for _, img := range images {
		out = append(out, img.Addr.String())
	}
	return out
}
