package derive

import (
	"image"

	"github.com/imgform/imgform/internal/variant"
)

// compose draws the resized pixels at l.Place over a canvas of l.Out
// filled with bg (source-over, premultiplied, integer rounding).
func compose(src *pixels, l variant.Layout, bg variant.Colour) *pixels {
	ch := 3
	if src.ch == 4 || !bg.Opaque() {
		ch = 4
	}
	dst := tempPixels(l.Out.Width, l.Out.Height, ch)
	// The background, premultiplied.
	pre := [4]uint8{mul8(bg.R, bg.A), mul8(bg.G, bg.A), mul8(bg.B, bg.A), bg.A}
	for i := 0; i < len(dst.pix); i += ch {
		copy(dst.pix[i:i+ch], pre[:ch])
	}
	for y := range src.h {
		in := src.row(y)
		out := dst.row(l.Place.Min.Y + y)[l.Place.Min.X*ch:]
		for x := range src.w {
			s := in[x*src.ch : x*src.ch+src.ch]
			d := out[x*ch : x*ch+ch]
			if src.ch == 3 {
				d[0], d[1], d[2] = s[0], s[1], s[2]
				if ch == 4 {
					d[3] = 255
				}
				continue
			}
			// s over d: d' = s + d·(255 − sa)/255.
			inv := 255 - s[3]
			for c := range ch {
				d[c] = s[c] + mul8(d[c], inv)
			}
		}
	}
	return dst
}

// mul8 is a·b/255, rounded.
func mul8(a, b uint8) uint8 {
	t := uint32(a)*uint32(b) + 128
	return uint8((t + t>>8) >> 8)
}

// toRGBA converts samples to an *image.RGBA (premultiplied); with temp,
// its pixels come from tempBuffer.
func toRGBA(p *pixels, temp bool) *image.RGBA {
	img := &image.RGBA{Rect: image.Rect(0, 0, p.w, p.h), Stride: 4 * p.w}
	if temp {
		img.Pix = tempBuffer(4 * p.w * p.h)
	} else {
		img.Pix = make([]uint8, 4*p.w*p.h)
	}
	if p.ch == 4 {
		copy(img.Pix, p.pix)
		return img
	}
	for i := range p.w * p.h {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = p.pix[3*i], p.pix[3*i+1], p.pix[3*i+2], 255
	}
	return img
}

// unpremultiply converts to non-premultiplied RGBA, as libwebp takes it:
// an opaque image (opaque: img.Opaque(), which the caller has) is the
// same either way, and shares img's pixels.
func unpremultiply(img *image.RGBA, opaque bool) *image.NRGBA {
	if opaque {
		return &image.NRGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
	}
	out := image.NewNRGBA(img.Bounds())
	for i := 0; i < len(img.Pix); i += 4 {
		a := img.Pix[i+3]
		switch a {
		case 255:
			copy(out.Pix[i:i+4], img.Pix[i:i+4])
		case 0:
		default:
			for c := range 3 {
				out.Pix[i+c] = uint8(min(255, (uint32(img.Pix[i+c])*255+uint32(a)/2)/uint32(a)))
			}
			out.Pix[i+3] = a
		}
	}
	return out
}
