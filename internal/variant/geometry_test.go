package variant

import (
	"image"
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
		l := Spec{Width: tc.out.Width, Height: tc.out.Height}.Layout(tc.src)
		if l.Out != tc.out || l.X.Offset != tc.offset.X || l.Y.Offset != tc.offset.Y {
			t.Errorf("%v → %v: out %v offset (%d,%d), want offset %v", tc.src, tc.out, l.Out, l.X.Offset, l.Y.Offset, tc.offset)
		}
		// The resized grid: num/den on both axes, the source's size
		// over it rounding to the resized size.
		if l.X.Num != l.Y.Num || l.X.Den != l.Y.Den {
			t.Errorf("%v → %v: axes scaled differently: %d/%d and %d/%d", tc.src, tc.out, l.X.Num, l.X.Den, l.Y.Num, l.Y.Den)
		}
		if rw, rh := roundDiv(tc.src.Width*l.X.Den, l.X.Num), roundDiv(tc.src.Height*l.Y.Den, l.Y.Num); rw != tc.resized.Width || rh != tc.resized.Height {
			t.Errorf("%v → %v: resized %dx%d, want %v", tc.src, tc.out, rw, rh, tc.resized)
		}
	}
}
