package spec

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/imgform/imgform/internal/model"
)

var update = flag.Bool("update", false, "rewrite the expected.json files of the golden tests")

const goldenDir = "testdata/golden"

// goldenOptions is options.json of a golden case: the Options of its run,
// with var files relative to the case's folder.
type goldenOptions struct {
	Vars     []string `json:"vars"`
	VarFiles []string `json:"var_files"`
	Environ  []string `json:"environ"`
}

// goldenResult is expected.json of a golden case.
type goldenResult struct {
	Images      []goldenImage `json:"images"`
	Sources     []string      `json:"sources"`
	Diagnostics []string      `json:"diagnostics,omitempty"` // warnings only
}

type goldenImage struct {
	Address    string        `json:"address"`
	Request    model.Request `json:"request"`
	SeedOrigin SeedOrigin    `json:"seed_origin"`
	Outputs    []string      `json:"outputs"`
	Declared   string        `json:"declared"` // FILE:LINE:COLUMN of the block
}

// loadGolden loads one golden case's configuration with its options.
func loadGolden(t *testing.T, dir string) (*Config, goldenResult) {
	t.Helper()
	var opts goldenOptions
	switch b, err := os.ReadFile(filepath.Join(dir, "options.json")); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		t.Fatal(err)
	default:
		if err := json.Unmarshal(b, &opts); err != nil {
			t.Fatalf("options.json: %v", err)
		}
	}
	o := Options{Vars: opts.Vars, Environ: opts.Environ}
	for _, f := range opts.VarFiles {
		o.VarFiles = append(o.VarFiles, filepath.Join(dir, f))
	}
	cfg, diags := Load(t.Context(), dir, o)
	if diags.HasErrors() {
		t.Fatalf("a golden configuration must load without errors:\n%s", diags.Error())
	}
	res := goldenResult{Images: []goldenImage{}}
	for _, img := range cfg.Images {
		res.Images = append(res.Images, goldenImage{
			Address:    img.Addr.String(),
			Request:    img.Request,
			SeedOrigin: img.SeedOrigin,
			Outputs:    img.Outputs,
			Declared:   fmt.Sprintf("%s:%d:%d", relName(dir, img.DeclRange.Filename), img.DeclRange.Start.Line, img.DeclRange.Start.Column),
		})
	}
	for _, s := range cfg.Sources {
		res.Sources = append(res.Sources, relName(dir, s))
	}
	for _, d := range diags {
		res.Diagnostics = append(res.Diagnostics, fmt.Sprintf("%s: %s", relName(dir, d.Subject.Filename), d.Summary))
	}
	return cfg, res
}

// TestGolden loads every configuration under testdata/golden and compares
// the resolved images with the expected.json beside it. Run with -update
// to rewrite expected.json after a deliberate change, and review the diff.
func TestGolden(t *testing.T) {
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join(goldenDir, e.Name())
			_, got := loadGolden(t, dir)
			expected := filepath.Join(dir, "expected.json")
			if *update {
				b, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(expected, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(expected)
			if err != nil {
				t.Fatalf("%v (run go test ./spec -run TestGolden -update to create it)", err)
			}
			var want goldenResult
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatalf("expected.json: %v", err)
			}
			if diff := cmp.Diff(want, got, cmp.Comparer(model.Request.Equal)); diff != "" {
				t.Errorf("resolved configuration (-want +got):\n%s", diff)
			}
		})
	}
}

// The provider page's example request, copied verbatim.
const (
	providerPrompt         = "Thelema-themed, ethereal fantasy concept art of  Dystopian style Grim-noire, wide angle shot, (establishing shot:1.7), Perfect photograph, ((Hell hath no queen! But, o thou red mouthed curving In kisses that bring blood, shall I be alone? What of the accomplice of these deeds unswerving? Will not your dead hot kisses match mine own? As here your ardours brand me bone and marrow Biting like fire and poison in my veins, Shall you not there still ply your nameless harrow. Mingle a cup from those our common pains To intoxicate us with an extreme pleasure Keener than life, more dolorous than death Till these infernal blisses pass the measure Of heaven imagined by the tremulous breaths Of silly saints and silly sinners, swaying From scraps of blasphemy to scraps of praying?)), perfect composition, dynamic lighting, dramatic action, trending on artstation, sharp focus, studio photo, intricate details, highly detailed,  Bleak, post-apocalyptic, somber, dramatic, highly detailed, dramatic , Zeiss Master Prime Lenses, Panavision, Film Stock Footage, Kodak Eastman 100T 5247 Cinematic .magnificent, celestial, ethereal, painterly, epic, majestic, magical, fantasy art, cover art, dreamy, misc, . highly detailed"
	providerNegativePrompt = "((close up)),(octane render, render, drawing, bad photo, bad photography:1.3), (worst quality, low quality, blurry:1.2), (bad teeth, deformed teeth, deformed lips), (bad anatomy, bad proportions:1.1), (deformed iris, deformed pupils), (deformed eyes, bad eyes), (deformed face, ugly face, bad face), (deformed hands, bad hands, fused fingers), morbid, mutilated, mutation, disfigured"
)

// TestProviderExample asserts that the provider's example, written as one
// image block, resolves to exactly the request the page sends: field by
// field, and as the JSON body on the wire.
func TestProviderExample(t *testing.T) {
	cfg, _ := loadGolden(t, filepath.Join(goldenDir, "provider_example"))
	if len(cfg.Images) != 1 {
		t.Fatalf("got %d images, want 1", len(cfg.Images))
	}
	img := cfg.Images[0]
	want := model.NewRequest(model.NewRealityLightning).
		WithPrompt(providerPrompt).
		With("negative_prompt", model.String(providerNegativePrompt)).
		With("samples", model.Int(1)).
		With("scheduler", model.String("DPM++ SDE")).
		With("num_inference_steps", model.Int(7)).
		With("guidance_scale", model.Number(1)).
		WithSeed(1220429729).
		With("img_width", model.Int(1024)).
		With("img_height", model.Int(1024))
	if !want.Equal(img.Request) {
		t.Errorf("request\n got %s\nwant %s", img.Request.CanonicalEncoding(), want.CanonicalEncoding())
	}
	if img.SeedOrigin != SeedExplicit {
		t.Errorf("seed origin = %q, want %q", img.SeedOrigin, SeedExplicit)
	}
	if diff := cmp.Diff("image.provider_example", img.Addr.String()); diff != "" {
		t.Errorf("address (-want +got):\n%s", diff)
	}
}
