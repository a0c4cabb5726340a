package variant

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

var thumb = Spec{Width: 256, Format: WebP, Quality: 82}

func TestCanonicalEncoding(t *testing.T) {
	got := string(thumb.CanonicalEncoding())
	want := "imgform-variant-v2\n" +
		`{"anchor":"center","background":"","fit":"cover","format":"webp","height":0,"lossless":false,"quality":82,"width":256}`
	if got != want {
		t.Errorf("encoding\n got %s\nwant %s", got, want)
	}
	if thumb.Hash() != sha256.Sum256([]byte(want)) {
		t.Error("the hash is not the SHA-256 of the encoding")
	}
	_, obj, _ := strings.Cut(got, "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(obj), &m); err != nil {
		t.Fatalf("not JSON after the version line: %v", err)
	}
	if resorted, _ := json.Marshal(m); string(resorted) != obj {
		t.Errorf("keys not sorted or space not minimal:\n got %s\nwant %s", obj, resorted)
	}
}

// Every attribute that changes the bytes changes the hash; writing a
// default out, or upscale, which changes no pixel, does not.
func TestHashChangesWithEveryAttribute(t *testing.T) {
	base := Spec{Width: 600, Height: 300, Fit: Contain, Background: "#ffffff", Format: JPEG, Quality: 80}
	changed := map[string]Spec{}
	with := func(name string, f func(*Spec)) {
		s := base
		f(&s)
		changed[name] = s
	}
	with("width", func(s *Spec) { s.Width = 601 })
	with("height", func(s *Spec) { s.Height = 301 })
	with("fit", func(s *Spec) { s.Fit = Fill; s.Background = "" })
	with("background", func(s *Spec) { s.Background = "#fffffe" })
	with("format", func(s *Spec) { s.Format = WebP })
	with("quality", func(s *Spec) { s.Quality = 81 })
	with("anchor (cover)", func(s *Spec) { s.Fit, s.Background, s.Anchor = Cover, "", Top })
	seen := map[[32]byte]string{base.Hash(): "base"}
	for name, s := range changed {
		h := s.Hash()
		if other, dup := seen[h]; dup {
			t.Errorf("changing %s gives the hash of %s", name, other)
		}
		seen[h] = name
	}
	lossy, lossless := Spec{Width: 256, Format: WebP}, Spec{Width: 256, Format: WebP, Lossless: true}
	if lossy.Hash() == lossless.Hash() {
		t.Error("lossless does not change the hash")
	}
	same := map[string][2]Spec{
		"default quality written out": {{Width: 256, Format: JPEG}, {Width: 256, Format: JPEG, Quality: 85}},
		"default fit written out":     {{Width: 256, Height: 100, Format: PNG}, {Width: 256, Height: 100, Fit: Cover, Anchor: Center, Format: PNG}},
		"default background":          {{Width: 256, Height: 100, Fit: Contain, Format: PNG}, {Width: 256, Height: 100, Fit: Contain, Background: "#00000000", Format: PNG}},
		"upscale":                     {{Width: 256, Format: PNG}, {Width: 256, Upscale: true, Format: PNG}},
	}
	for name, pair := range same {
		if pair[0].Hash() != pair[1].Hash() {
			t.Errorf("%s changes the hash", name)
		}
	}
}

func TestAttributes(t *testing.T) {
	got := fmt.Sprint(Spec{Width: 256, Format: WebP}.Attributes())
	want := "[{width 256} {height auto} {fit cover} {anchor center} {background } {format webp} {quality 75} {lossless false}]"
	if got != want {
		t.Errorf("Attributes\n got %s\nwant %s", got, want)
	}
	got = fmt.Sprint(Spec{Width: 600, Height: 300, Fit: Contain, Format: JPEG}.Attributes())
	want = "[{width 600} {height 300} {fit contain} {anchor } {background #ffffffff} {format jpeg} {quality 85} {lossless false}]"
	if got != want {
		t.Errorf("Attributes\n got %s\nwant %s", got, want)
	}
}
