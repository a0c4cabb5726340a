package derive

import (
	"fmt"
	"image"
	"math"
	"testing"

	"github.com/imgform/imgform/internal/variant"
)

// A source of one colour gives a variant of that colour, exactly, in
// every geometry (the weights sum to one in fixed point; padding aside):
// sizes odd and even, shrinking and enlarging, every fit and anchor.
func TestUniformStaysUniform(t *testing.T) {
	colour := [3]uint8{200, 17, 99}
	for _, src := range []variant.Size{{Width: 1024, Height: 1024}, {Width: 1000, Height: 999}, {Width: 1021, Height: 37}, {Width: 1280, Height: 1024}, {Width: 17, Height: 16}} {
		source := NewSource(solidImage(src.Width, src.Height, colour))
		for _, s := range []variant.Spec{
			{Width: 256}, {Height: 16}, {Width: 17, Height: 33, Fit: variant.Fill}, {Width: 999, Height: 16, Fit: variant.Cover},
			{Width: 16, Height: 999, Fit: variant.Cover, Anchor: variant.BottomLeft}, {Width: 4096, Height: 17, Fit: variant.Fill},
			{Width: 333, Height: 333, Fit: variant.Cover, Anchor: variant.Right}, {Width: 1200, Height: 630},
		} {
			s.Format, s.Upscale = variant.PNG, true
			img, err := source.Render(s)
			if err != nil {
				t.Fatalf("%v %+v: %v", src, s, err)
			}
			if got, want := img.Bounds().Size(), s.OutputSize(src); got != image.Pt(want.Width, want.Height) {
				t.Errorf("%v %+v: size %v, want %v", src, s, got, want)
			}
			for i := 0; i < len(img.Pix); i += 4 {
				if [3]uint8(img.Pix[i:i+3]) != colour || img.Pix[i+3] != 255 {
					t.Fatalf("%v %+v: pixel %d is %v, want %v", src, s, i/4, img.Pix[i:i+4], colour)
				}
			}
		}
	}
}

// sourceXY reads back, from a rendered ramp (rampImage), the source
// coordinates a pixel was sampled around.
func sourceXY(img *image.RGBA, x, y int, src variant.Size) (float64, float64) {
	p := img.Pix[img.PixOffset(x, y):]
	return float64(p[0]) * float64(src.Width-1) / 255, float64(p[1]) * float64(src.Height-1) / 255
}

// TestCoverAnchors: a cover crop keeps the part of the source its anchor
// names. The source is a ramp, 1600×800, so each output pixel's colour
// says where in the source it was sampled; the crop 400×400 is a
// resize by ½ to 800×400 and a 400-pixel-wide window at x = 0 (left),
// 200 (centre) or 400 (right) of it. Likewise vertically from an 800×1600
// source.
func TestCoverAnchors(t *testing.T) {
	wide, tall := variant.Size{Width: 1600, Height: 800}, variant.Size{Width: 800, Height: 1600}
	wideSrc, tallSrc := NewSource(rampImage(wide.Width, wide.Height)), NewSource(rampImage(tall.Width, tall.Height))
	for _, a := range variant.Anchors() {
		t.Run(string(a), func(t *testing.T) {
			// Horizontal: left 0, centre 200, right 400 in the resized grid.
			xoff := map[variant.Anchor]float64{variant.Left: 0, variant.TopLeft: 0, variant.BottomLeft: 0, variant.Right: 400, variant.TopRight: 400, variant.BottomRight: 400}
			off, ok := xoff[a]
			if !ok {
				off = 200
			}
			img, err := wideSrc.Render(variant.Spec{Width: 400, Height: 400, Anchor: a, Format: variant.PNG})
			if err != nil {
				t.Fatal(err)
			}
			// Output pixel x is resized pixel x+off, centred at source
			// x (x+off+0.5)·2 − 0.5. Check away from the image's edges.
			for _, x := range []int{10, 200, 390} {
				got, _ := sourceXY(img, x, 200, wide)
				want := (float64(x)+off+0.5)*2 - 0.5
				if math.Abs(got-want) > 8 { // a ramp step is 6.3 source pixels
					t.Errorf("wide source, x=%d: sampled at source x≈%.0f, want %.1f", x, got, want)
				}
			}
			yoff := map[variant.Anchor]float64{variant.Top: 0, variant.TopLeft: 0, variant.TopRight: 0, variant.Bottom: 400, variant.BottomLeft: 400, variant.BottomRight: 400}
			off, ok = yoff[a]
			if !ok {
				off = 200
			}
			img, err = tallSrc.Render(variant.Spec{Width: 400, Height: 400, Anchor: a, Format: variant.PNG})
			if err != nil {
				t.Fatal(err)
			}
			for _, y := range []int{10, 200, 390} {
				_, got := sourceXY(img, 200, y, tall)
				want := (float64(y)+off+0.5)*2 - 0.5
				if math.Abs(got-want) > 8 {
					t.Errorf("tall source, y=%d: sampled at source y≈%.0f, want %.1f", y, got, want)
				}
			}
		})
	}
}

// TestContainPads: contain fits the whole source inside the box,
// centred, and pads the rest with the background.
func TestContainPads(t *testing.T) {
	source := NewSource(solidImage(1024, 512, [3]uint8{10, 20, 30}))
	for _, tc := range []struct {
		spec  variant.Spec
		place image.Rectangle
		bg    [4]uint8 // premultiplied, as Render returns
	}{
		{variant.Spec{Width: 300, Height: 300, Fit: variant.Contain, Background: "#ff0000", Format: variant.PNG}, image.Rect(0, 75, 300, 225), [4]uint8{255, 0, 0, 255}},
		// 512·301/1024 = 150.5 rounds to 151, centred at ⌊(300−151)/2⌋ = 74.
		{variant.Spec{Width: 301, Height: 300, Fit: variant.Contain, Format: variant.PNG}, image.Rect(0, 74, 301, 225), [4]uint8{0, 0, 0, 0}},
		{variant.Spec{Width: 600, Height: 100, Fit: variant.Contain, Format: variant.JPEG}, image.Rect(200, 0, 400, 100), [4]uint8{255, 255, 255, 255}},
		{variant.Spec{Width: 600, Height: 100, Fit: variant.Contain, Background: "#00ff0080", Format: variant.WebP}, image.Rect(200, 0, 400, 100), [4]uint8{0, 128, 0, 128}},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.spec.Width, tc.spec.Height), func(t *testing.T) {
			l := tc.spec.WithDefaults().Layout(source.Size())
			place := tc.place
			if l.Place != place {
				t.Fatalf("placed at %v, want %v", l.Place, place)
			}
			img, err := source.Render(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			for y := range tc.spec.Height {
				for x := range tc.spec.Width {
					got := [4]uint8(img.Pix[img.PixOffset(x, y):][:4])
					want := tc.bg
					if image.Pt(x, y).In(place) {
						want = [4]uint8{10, 20, 30, 255}
					}
					if got != want {
						t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, want)
					}
				}
			}
		})
	}
}

// TestFillStretches: fill maps the whole source onto the box, each axis
// by its own ratio: the corners of the output sample the corners of the
// source.
func TestFillStretches(t *testing.T) {
	src := variant.Size{Width: 1000, Height: 600}
	source := NewSource(rampImage(src.Width, src.Height))
	img, err := source.Render(variant.Spec{Width: 100, Height: 300, Fit: variant.Fill, Format: variant.PNG})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []image.Point{{5, 5}, {50, 150}, {94, 294}} {
		gx, gy := sourceXY(img, p.X, p.Y, src)
		wx, wy := (float64(p.X)+0.5)*10-0.5, (float64(p.Y)+0.5)*2-0.5
		if math.Abs(gx-wx) > 8 || math.Abs(gy-wy) > 8 {
			t.Errorf("output %v sampled source (%.0f, %.0f), want (%.1f, %.1f)", p, gx, gy, wx, wy)
		}
	}
}
