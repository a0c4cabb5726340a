package variant

import "image"

// Layout is where a variant's pixels come from: the output's size, the
// rectangle of it the resized source covers (all of it but for
// Contain's padding), and for each axis the mapping from that
// rectangle's pixels to the source's. A resampler reads it; OutputSize
// is its Out.
type Layout struct {
	Out   Size
	Place image.Rectangle
	X, Y  Axis
}

// Axis maps output samples to source samples along one axis. The source
// is scaled to a grid of resized pixels, each num/den source pixels
// wide, with pixel centres aligned (the centre of resized pixel i is at
// source coordinate (i+0.5)·num/den − 0.5, pixel k's centre being k);
// the output takes n of them from offset on, which is how Cover crops.
// This is libvips's convention, so that a crop here and one made by
// vipsthumbnail sample the same points.
type Axis struct {
	Src      int // source pixels
	N        int // output samples
	Offset   int // the first output sample's index in the resized grid
	Num, Den int // resized pixel size, in source pixels, as Num/Den
}

// Identity reports whether the axis copies the source as it is.
func (a Axis) Identity() bool { return a.Num == a.Den && a.Offset == 0 && a.N == a.Src }

// roundDiv is a/b rounded half up, for a, b > 0.
func roundDiv(a, b int) int { return (2*a + b) / (2 * b) }

// OutputSize is the size of the variant the spec makes from a source of
// the given size: Width × Height when both are set, the other following
// the aspect ratio (rounded to the nearest pixel, at least 1) when one
// is, the source's when neither is.
func (s Spec) OutputSize(src Size) Size {
	return s.Layout(src).Out
}

// Layout computes where the pixels of the variant come from. The source
// size must be positive.
func (s Spec) Layout(src Size) Layout {
	w, h := s.Width, s.Height
	switch {
	case w <= 0 && h <= 0:
		return uniform(src, src, image.Point{}, src.Width, src.Width)
	case h <= 0:
		resized := Size{w, max(1, roundDiv(src.Height*w, src.Width))}
		return uniform(src, resized, image.Point{}, src.Width, w)
	case w <= 0:
		resized := Size{max(1, roundDiv(src.Width*h, src.Height)), h}
		return uniform(src, resized, image.Point{}, src.Height, h)
	}
	out := Size{w, h}
	// wider: the source is at least as wide, relative to its height, as
	// the box; Contain then scales it by the width, Cover by the height.
	wider := w*src.Height <= h*src.Width
	switch s.fit() {
	case Fill:
		return Layout{
			Out:   out,
			Place: image.Rect(0, 0, w, h),
			X:     Axis{Src: src.Width, N: w, Num: src.Width, Den: w},
			Y:     Axis{Src: src.Height, N: h, Num: src.Height, Den: h},
		}
	case Contain:
		var l Layout
		if wider {
			rh := min(h, max(1, roundDiv(src.Height*w, src.Width)))
			l = uniform(src, Size{w, rh}, image.Point{}, src.Width, w)
		} else {
			rw := min(w, max(1, roundDiv(src.Width*h, src.Height)))
			l = uniform(src, Size{rw, h}, image.Point{}, src.Height, h)
		}
		off := image.Pt((w-l.Out.Width)/2, (h-l.Out.Height)/2)
		l.Place = l.Place.Add(off)
		l.Out = out
		return l
	default: // Cover
		var resized Size
		var num, den int
		if wider {
			resized, num, den = Size{max(w, roundDiv(src.Width*h, src.Height)), h}, src.Height, h
		} else {
			resized, num, den = Size{w, max(h, roundDiv(src.Height*w, src.Width))}, src.Width, w
		}
		return uniform(src, out, s.anchorOffset(resized, out), num, den)
	}
}

// uniform is the layout of a source scaled by num/den on both axes, of
// which the output takes the part of size out at offset.
func uniform(src, out Size, offset image.Point, num, den int) Layout {
	return Layout{
		Out:   out,
		Place: image.Rect(0, 0, out.Width, out.Height),
		X:     Axis{Src: src.Width, N: out.Width, Offset: offset.X, Num: num, Den: den},
		Y:     Axis{Src: src.Height, N: out.Height, Offset: offset.Y, Num: num, Den: den},
	}
}

// anchorOffset is where a Cover crop of size out starts in the resized
// source: flush with the side the anchor names, else centred (rounded
// down, as vipsthumbnail --smartcrop centre does).
func (s Spec) anchorOffset(resized, out Size) image.Point {
	dx, dy := resized.Width-out.Width, resized.Height-out.Height
	p := image.Pt(dx/2, dy/2)
	switch s.Anchor {
	case Left, TopLeft, BottomLeft:
		p.X = 0
	case Right, TopRight, BottomRight:
		p.X = dx
	}
	switch s.Anchor {
	case Top, TopLeft, TopRight:
		p.Y = 0
	case Bottom, BottomLeft, BottomRight:
		p.Y = dy
	}
	return p
}
