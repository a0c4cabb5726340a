package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
)

// The manifest takes sizes from the headers, falls back on what the state
// records, and says which files it could size neither way; srcset lists
// the first sample's files, one per width.
func TestManifest(t *testing.T) {
	req := model.NewRequest(model.Default).WithPrompt("castle")
	st := &state.State{Images: map[string]*state.Entry{
		"image.hero": {Request: req, Outputs: []state.Output{{Path: "hero.png", Size: 10}},
			Variants: []state.Variant{
				{Name: "a", Path: "hero-256.webp", Attributes: map[string]string{"width": "256"}},
				{Name: "b", Path: "again-256.webp", Attributes: map[string]string{"width": "256"}},
				{Name: "c", Path: "hero-512.webp", Attributes: map[string]string{"width": "512"}},
				{Name: "og", Path: "og.jpg", Attributes: map[string]string{"width": "1200", "height": "630"}},
				{Name: "s1", Sample: 1, Path: "hero-1-256.webp", Attributes: map[string]string{"width": "256"}},
			}},
	}}
	sizes := map[string][2]int{"hero-256.webp": {256, 256}, "again-256.webp": {256, 256}, "hero-1-256.webp": {256, 256}}
	read := func(p string) (int, int, error) {
		if s, ok := sizes[p]; ok {
			return s[0], s[1], nil
		}
		return 0, 0, errors.New("no such file")
	}
	m := NewManifest(st, []string{"image.hero"}, read)
	files := m.Images["image.hero"].Files
	got := map[string][2]int{}
	for _, f := range files {
		got[f.Path] = [2]int{f.Width, f.Height}
	}
	want := map[string][2]int{"hero.png": {1024, 1024}, "hero-256.webp": {256, 256}, "again-256.webp": {256, 256},
		"hero-512.webp": {0, 0}, "og.jpg": {1200, 630}, "hero-1-256.webp": {256, 256}}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: %v, want %v", p, got[p], w)
		}
	}
	if len(m.Warnings) != 1 || !strings.HasPrefix(m.Warnings[0], "hero-512.webp: its size is unknown") {
		t.Errorf("warnings %q, want one for hero-512.webp", m.Warnings)
	}
	srcset := m.Images["image.hero"].Srcset
	if srcset["image/webp"] != "hero-256.webp 256w" || srcset["image/jpeg"] != "og.jpg 1200w" || srcset["image/png"] != "hero.png 1024w" {
		t.Errorf("srcset %q", srcset)
	}
	var buf bytes.Buffer
	if err := WriteManifestJSON(&buf, m); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion string `json:"format_version"`
		Images        map[string]struct {
			Files []map[string]any `json:"files"`
		} `json:"images"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != ManifestFormatVersion || len(doc.Images["image.hero"].Files) != 6 {
		t.Errorf("the JSON document: %s", &buf)
	}
	if _, ok := doc.Images["image.hero"].Files[0]["variant"]; ok {
		t.Errorf("an output has a variant field: %v", doc.Images["image.hero"].Files[0])
	}
}
