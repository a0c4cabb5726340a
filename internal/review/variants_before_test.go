package review

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/derive"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/variant"
)

// An image kept for its variants only (no output) whose prompt changed:
// the card shows each variant's file as it is on disk beside the one the
// change derives, not the new ones alone.
func TestPageShowsVariantsBefore(t *testing.T) {
	work := t.TempDir()
	// The files the last apply wrote: two WebP variants of the old image.
	old, err := png.Decode(bytes.NewReader(pngOf(t, 3, 256).Data))
	if err != nil {
		t.Fatal(err)
	}
	thumb := variant.Spec{Width: 64, Format: variant.WebP}
	wide := variant.Spec{Width: 128, Height: 64, Fit: variant.Cover, Format: variant.WebP}
	oldFiles := map[string][]byte{}
	for path, spec := range map[string]variant.Spec{"assets/hero-64.webp": thumb, "assets/hero-wide.webp": wide} {
		data, err := derive.NewSource(old).Derive(spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(work, "assets"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, filepath.FromSlash(path)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		oldFiles[path] = data
	}
	c := &plan.Change{Address: "image.hero", Action: plan.Replace, Request: request("castle, at night"), Write: []int{}, Cost: 1,
		Reasons: []plan.Reason{{Kind: plan.ReasonParams, Message: "changed: prompt"}},
		Variants: []plan.Variant{
			{Name: "thumb", Path: "assets/hero-64.webp", Spec: thumb},
			{Name: "wide", Path: "assets/hero-wide.webp", Spec: wide},
		},
		Derive: []int{0, 1},
		Prior: &state.Entry{Request: *request("castle"), Generator: state.GeneratorAPI, Variants: []state.Variant{
			{Name: "thumb", Path: "assets/hero-64.webp"},
			{Name: "wide", Path: "assets/hero-wide.webp"},
		}},
	}
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Changes: []*plan.Change{c}, Summary: plan.Summary{Replace: 1, Generate: 1}}

	dir := filepath.Join(t.TempDir(), "review")
	pg, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.BeforeFromDisk(t.Context(), work, nil, p); err != nil {
		t.Fatal(err)
	}
	if err := pg.After(c, []model.Image{pngOf(t, 7, 256)}); err != nil {
		t.Fatal(err)
	}
	path, err := pg.Write(p, Info{Made: time.Now(), Previewed: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(data)
	for _, want := range []string{"before · <code>assets/hero-64.webp</code>", "before · <code>assets/hero-wide.webp</code>"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page does not hold %q", want)
		}
	}
	// Each old file is beside the page, byte for byte, and shown at its
	// size; the new variants are there too, and differ from the old.
	befores := imgsWithAlt(html, "image.hero variant before")
	afters := imgsWithAlt(html, "image.hero variant")
	if len(befores) != 2 || len(afters) != 2 {
		t.Fatalf("%d befores and %d afters on the page, want 2 and 2:\n%s", len(befores), len(afters), html)
	}
	shown := map[string]bool{}
	for _, src := range befores {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(src)))
		if err != nil {
			t.Fatal(err)
		}
		for p, want := range oldFiles {
			if bytes.Equal(got, want) {
				shown[p] = true
			}
		}
	}
	if len(shown) != 2 {
		t.Errorf("the befores shown are %v, want both old files", shown)
	}
	for i := range afters {
		if afters[i] == befores[i] {
			t.Errorf("variant %d shows the same file before and after", i)
		}
	}
	if !strings.Contains(html, `width="128" height="64" loading="lazy" alt="image.hero variant before"`) {
		t.Errorf("the wide variant's before is not shown at its size (128×64)")
	}
}

// imgsWithAlt returns the src of each img whose alt is exactly alt.
func imgsWithAlt(html, alt string) []string {
	var out []string
	for _, tag := range strings.Split(html, "<img ")[1:] {
		tag = tag[:strings.IndexByte(tag, '>')]
		if !strings.Contains(tag, `alt="`+alt+`"`) {
			continue
		}
		src := attrs(tag, `src="`)
		if len(src) == 1 {
			out = append(out, src[0])
		}
	}
	return out
}
