package derive

import (
	"bytes"
	"fmt"
	"image"
	"image/color"

	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/variant"
)

// Source is a decoded image to derive variants from: decode it once,
// derive each variant from it. It is never modified, so goroutines may
// derive from one Source at once.
type Source struct {
	px *pixels
}

// Decode decodes a source image (PNG or JPEG, as the cache keeps them;
// WebP too) after checking that its header declares no more than
// imagecheck.MaxSide pixels a side.
func Decode(data []byte) (*Source, error) {
	if _, err := imagecheck.Check(data); err != nil {
		return nil, fmt.Errorf("reading the source image: %w", err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decoding the source image: %w", err)
	}
	return NewSource(img), nil
}

// NewSource makes a Source of a decoded image. An opaque image is kept as
// RGB; one with any transparency as premultiplied RGBA, which resamples
// without dark fringes.
func NewSource(img image.Image) *Source {
	return &Source{px: toPixels(img)}
}

// Size is the source's size in pixels.
func (s *Source) Size() variant.Size { return variant.Size{Width: s.px.w, Height: s.px.h} }

// Opaque reports whether every pixel of the source is opaque.
func (s *Source) Opaque() bool { return s.px.ch == 3 }

// toPixels converts a decoded image to 8-bit samples, with fast paths for
// what the PNG and JPEG decoders return. The conversions are Go's own
// integer ones (image/color), the same on every GOARCH.
func toPixels(img image.Image) *pixels {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		p := newPixels(w, h, 3)
		for y := range h {
			out := p.row(y)
			for x := range w {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				out[3*x], out[3*x+1], out[3*x+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			}
		}
		return p
	case *image.Paletted:
		if opaquePalette(m.Palette) {
			lut := make([][3]uint8, 256)
			for i, c := range m.Palette {
				r, g, b, _ := c.RGBA()
				lut[i] = [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
			}
			p := newPixels(w, h, 3)
			for y := range h {
				in := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
				out := p.row(y)
				for x, i := range in {
					c := lut[i]
					out[3*x], out[3*x+1], out[3*x+2] = c[0], c[1], c[2]
				}
			}
			return p
		}
	case *image.NRGBA:
		if m.Opaque() {
			return dropAlpha(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h)
		}
	case *image.RGBA:
		if m.Opaque() { // premultiplied by an alpha of 255: the same bytes
			return dropAlpha(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h)
		}
	}
	return generic(img)
}

// dropAlpha copies w×h pixels of four bytes (RGBA or NRGBA, every alpha
// 255), rows stride bytes apart from the start of pix, as RGB.
func dropAlpha(pix []byte, stride, w, h int) *pixels {
	p := newPixels(w, h, 3)
	for y := range h {
		in := pix[y*stride:][:4*w]
		out := p.row(y)
		for x := range w {
			out[3*x], out[3*x+1], out[3*x+2] = in[4*x], in[4*x+1], in[4*x+2]
		}
	}
	return p
}

// opaquePalette reports whether every colour of a palette is opaque
// (a palette index past its end decodes as opaque black).
func opaquePalette(p color.Palette) bool {
	for _, c := range p {
		if _, _, _, a := c.RGBA(); a != 0xffff {
			return false
		}
	}
	return true
}

// generic converts any image through color.RGBA64 (premultiplied),
// keeping RGB when every pixel is opaque.
func generic(img image.Image) *pixels {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	p := newPixels(w, h, 4)
	opaque := true
	for y := range h {
		out := p.row(y)
		for x := range w {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), uint8(a>>8)
			opaque = opaque && a == 0xffff
		}
	}
	if !opaque {
		return p
	}
	rgb := newPixels(w, h, 3)
	for i := range w * h {
		copy(rgb.pix[3*i:3*i+3], p.pix[4*i:4*i+3])
	}
	return rgb
}
