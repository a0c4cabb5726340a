package derive

import (
	"fmt"
	"image"
	"math"
	"testing"
)

func TestOutputSize(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		src  Size
		want Size
	}{
		{Spec{Width: 256}, Size{1024, 1024}, Size{256, 256}},
		{Spec{Width: 256}, Size{1280, 1024}, Size{256, 205}}, // 204.8
		{Spec{Width: 256}, Size{1000, 872}, Size{256, 223}},  // 223.232
		{Spec{Height: 100}, Size{1280, 1024}, Size{125, 100}},
		{Spec{Width: 16}, Size{4096, 16}, Size{16, 1}}, // never below 1
		{Spec{Width: 100}, Size{3, 2}, Size{100, 67}},  // 66.67
		{Spec{Width: 5}, Size{10, 3}, Size{5, 2}},      // 1.5 rounds up
		{Spec{}, Size{640, 480}, Size{640, 480}},
		{Spec{Width: 1200, Height: 630}, Size{1024, 1024}, Size{1200, 630}},
		{Spec{Width: 1200, Height: 630, Fit: Contain}, Size{1024, 1024}, Size{1200, 630}},
		{Spec{Width: 17, Height: 33, Fit: Fill}, Size{1000, 999}, Size{17, 33}},
	} {
		if got := tc.spec.OutputSize(tc.src); got != tc.want {
			t.Errorf("%+v of %v: %v, want %v", tc.spec, tc.src, got, tc.want)
		}
	}
}

// A source of one colour gives a variant of that colour, exactly, in
// every geometry (the weights sum to one in fixed point; padding aside):
// sizes odd and even, shrinking and enlarging, every fit and anchor.
func TestUniformStaysUniform(t *testing.T) {
	colour := [3]uint8{200, 17, 99}
	for _, src := range []Size{{1024, 1024}, {1000, 999}, {1021, 37}, {1280, 1024}, {17, 16}} {
		source := NewSource(solidImage(src.Width, src.Height, colour))
		for _, s := range []Spec{
			{Width: 256}, {Height: 16}, {Width: 17, Height: 33, Fit: Fill}, {Width: 999, Height: 16, Fit: Cover},
			{Width: 16, Height: 999, Fit: Cover, Anchor: BottomLeft}, {Width: 4096, Height: 17, Fit: Fill},
			{Width: 333, Height: 333, Fit: Cover, Anchor: Right}, {Width: 1200, Height: 630},
		} {
			s.Format, s.Upscale = PNG, true
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
func sourceXY(img *image.RGBA, x, y int, src Size) (float64, float64) {
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
	wide, tall := Size{1600, 800}, Size{800, 1600}
	wideSrc, tallSrc := NewSource(rampImage(wide.Width, wide.Height)), NewSource(rampImage(tall.Width, tall.Height))
	for _, a := range Anchors() {
		t.Run(string(a), func(t *testing.T) {
			// Horizontal: left 0, centre 200, right 400 in the resized grid.
			xoff := map[Anchor]float64{Left: 0, TopLeft: 0, BottomLeft: 0, Right: 400, TopRight: 400, BottomRight: 400}
			off, ok := xoff[a]
			if !ok {
				off = 200
			}
			img, err := wideSrc.Render(Spec{Width: 400, Height: 400, Anchor: a, Format: PNG})
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
			yoff := map[Anchor]float64{Top: 0, TopLeft: 0, TopRight: 0, Bottom: 400, BottomLeft: 400, BottomRight: 400}
			off, ok = yoff[a]
			if !ok {
				off = 200
			}
			img, err = tallSrc.Render(Spec{Width: 400, Height: 400, Anchor: a, Format: PNG})
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

// TestCoverCropBox: the crop box is vipsthumbnail's: the source scaled
// by the larger ratio to cover the box, then the window taken at
// ⌊(resized − size)/2⌋.
func TestCoverCropBox(t *testing.T) {
	for _, tc := range []struct {
		src, out Size
		resized  Size
		offset   image.Point
	}{
		{Size{1024, 1024}, Size{960, 504}, Size{960, 960}, image.Pt(0, 228)},
		{Size{1024, 1024}, Size{1200, 630}, Size{1200, 1200}, image.Pt(0, 285)},
		{Size{1280, 1024}, Size{960, 504}, Size{960, 768}, image.Pt(0, 132)},
		{Size{1280, 1024}, Size{100, 400}, Size{500, 400}, image.Pt(200, 0)},
		{Size{1000, 999}, Size{17, 33}, Size{33, 33}, image.Pt(8, 0)},
	} {
		l := Spec{Width: tc.out.Width, Height: tc.out.Height}.layout(tc.src)
		if l.out != tc.out || l.x.offset != tc.offset.X || l.y.offset != tc.offset.Y {
			t.Errorf("%v → %v: out %v offset (%d,%d), want offset %v", tc.src, tc.out, l.out, l.x.offset, l.y.offset, tc.offset)
		}
		// The resized grid: num/den on both axes, the source's size
		// over it rounding to the resized size.
		if l.x.num != l.y.num || l.x.den != l.y.den {
			t.Errorf("%v → %v: axes scaled differently: %d/%d and %d/%d", tc.src, tc.out, l.x.num, l.x.den, l.y.num, l.y.den)
		}
		if rw, rh := roundDiv(tc.src.Width*l.x.den, l.x.num), roundDiv(tc.src.Height*l.y.den, l.y.num); rw != tc.resized.Width || rh != tc.resized.Height {
			t.Errorf("%v → %v: resized %dx%d, want %v", tc.src, tc.out, rw, rh, tc.resized)
		}
	}
}

// TestContainPads: contain fits the whole source inside the box,
// centred, and pads the rest with the background.
func TestContainPads(t *testing.T) {
	source := NewSource(solidImage(1024, 512, [3]uint8{10, 20, 30}))
	for _, tc := range []struct {
		spec  Spec
		place image.Rectangle
		bg    [4]uint8 // premultiplied, as Render returns
	}{
		{Spec{Width: 300, Height: 300, Fit: Contain, Background: "#ff0000", Format: PNG}, image.Rect(0, 75, 300, 225), [4]uint8{255, 0, 0, 255}},
		// 512·301/1024 = 150.5 rounds to 151, centred at ⌊(300−151)/2⌋ = 74.
		{Spec{Width: 301, Height: 300, Fit: Contain, Format: PNG}, image.Rect(0, 74, 301, 225), [4]uint8{0, 0, 0, 0}},
		{Spec{Width: 600, Height: 100, Fit: Contain, Format: JPEG}, image.Rect(200, 0, 400, 100), [4]uint8{255, 255, 255, 255}},
		{Spec{Width: 600, Height: 100, Fit: Contain, Background: "#00ff0080", Format: WebP}, image.Rect(200, 0, 400, 100), [4]uint8{0, 128, 0, 128}},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.spec.Width, tc.spec.Height), func(t *testing.T) {
			l := tc.spec.WithDefaults().layout(source.Size())
			place := tc.place
			if l.place != place {
				t.Fatalf("placed at %v, want %v", l.place, place)
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
	src := Size{1000, 600}
	source := NewSource(rampImage(src.Width, src.Height))
	img, err := source.Render(Spec{Width: 100, Height: 300, Fit: Fill, Format: PNG})
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
