package spec

import (
	"fmt"
	"testing"

	"github.com/imgform/imgform/internal/model"
)

func TestDeriveSeed(t *testing.T) {
	// A derived seed is part of the identity of every image that sets no
	// seed: changing the derivation would regenerate all of them.
	pinned := map[string]int64{
		`image.derived`:    890241029891116,
		`image.frame[0]`:   DeriveSeed(Address{Name: "frame", Kind: IntKey}),
		`image.frame["0"]`: DeriveSeed(Address{Name: "frame", Kind: StringKey, StrKey: "0"}),
	}
	for s, want := range pinned {
		if got := DeriveSeed(mustParse(t, s)); got != want {
			t.Errorf("DeriveSeed(%s) = %d, want %d", s, got, want)
		}
	}
	if pinned[`image.frame[0]`] == pinned[`image.frame["0"]`] {
		t.Errorf(`image.frame[0] and image.frame["0"] have the same seed`)
	}

	seen := map[int64]string{}
	for i := range 2000 {
		for _, a := range []Address{
			{Name: fmt.Sprintf("img%d", i)},
			{Name: "icon", Kind: StringKey, StrKey: fmt.Sprint(i)},
			{Name: "icon", Kind: IntKey, IntKey: i},
		} {
			s := DeriveSeed(a)
			if s < 0 || s > model.NewRealityLightning.MaxSeed() {
				t.Fatalf("DeriveSeed(%s) = %d, outside 0..%d", a, s, model.NewRealityLightning.MaxSeed())
			}
			if s != DeriveSeed(a) {
				t.Fatalf("DeriveSeed(%s) is not stable", a)
			}
			if prev, ok := seen[s]; ok {
				t.Fatalf("DeriveSeed(%s) = DeriveSeed(%s) = %d", a, prev, s)
			}
			seen[s] = a.String()
		}
	}
}

func mustParse(t *testing.T, s string) Address {
	t.Helper()
	a, err := ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestOutputFormat(t *testing.T) {
	cases := map[string]Format{
		"a.png":          FormatPNG,
		"a.PNG":          FormatPNG,
		"dir.v2/a":       FormatPNG, // no extension: PNG
		"a":              FormatPNG,
		"a.jpg":          FormatJPEG,
		"a.JPEG":         FormatJPEG,
		"assets/x.y.jpg": FormatJPEG,
		"a.gif":          "",
		"a.webp":         "",
		"a.png.txt":      "",
		"a.":             "",
	}
	for p, want := range cases {
		t.Run(p, func(t *testing.T) {
			if got := OutputFormat(p); got != want {
				t.Errorf("OutputFormat(%q) = %q, want %q", p, got, want)
			}
		})
	}
}
