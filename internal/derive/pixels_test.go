package derive

import (
	"bytes"
	"image"
	"slices"
	"testing"

	"github.com/imgform/imgform/internal/variant"
)

// Deriving gives the buffers of its passes back for the next variant,
// never the source's: a source outlives every variant derived from it,
// whichever pass (none, one, the box and two, a canvas) each takes. The
// translucent source's 256×128×4 bytes are one of the pool's sizes, and
// the one-pass variant's 256×100×4 take a buffer of that size: a source
// given back by mistake would be written over.
func TestDerivingKeepsTheSource(t *testing.T) {
	for _, src := range []*Source{NewSource(rampImage(256, 128)), NewSource(translucentRamp(256, 128))} {
		want := slices.Clone(src.px.pix)
		first := map[int][]byte{}
		specs := []variant.Spec{
			{Width: 256, Format: variant.PNG},                                                    // no pass: the source itself
			{Width: 256, Height: 100, Fit: variant.Fill, Format: variant.PNG},                    // one pass
			{Width: 16, Format: variant.WebP},                                                    // the box, then two
			{Width: 256, Height: 256, Fit: variant.Contain, Upscale: true, Format: variant.JPEG}, // a canvas
			{Width: 64, Format: variant.AVIF},
		}
		for round := range 2 {
			for i, spec := range specs {
				data, err := src.Derive(spec, nil)
				if err != nil {
					t.Fatal(err)
				}
				if round == 0 {
					first[i] = data
				} else if !bytes.Equal(first[i], data) {
					t.Errorf("%+v: other bytes the second time", spec)
				}
				if !bytes.Equal(src.px.pix, want) {
					t.Fatalf("%+v: the source's pixels changed", spec)
				}
			}
		}
	}
}

// translucentRamp is rampImage with an alpha that grows with x.
func translucentRamp(w, h int) *image.NRGBA {
	img := rampImage(w, h)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = uint8(40 + (i/4%w)*200/w)
	}
	return img
}
