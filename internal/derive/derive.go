package derive

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/imgform/imgform/internal/pngtext"
)

// VariantKeyword is the provenance keyword under which every variant
// carries its own attributes: the canonical JSON object of
// CanonicalEncoding (after its version line), plus the variant hash
// version, e.g.
// {"anchor":"center",…,"width":256} v1.
const VariantKeyword = "imgform:variant"

// Derive decodes a source image (PNG or JPEG) and derives one variant
// from it: Decode, then Source.Derive. To derive several variants of one
// image, decode it once and call Source.Derive for each.
func Derive(source []byte, spec Spec, provenance []pngtext.Chunk) ([]byte, error) {
	src, err := Decode(source)
	if err != nil {
		return nil, err
	}
	return src.Derive(spec, provenance)
}

// Derive makes the variant the spec describes and encodes it in the
// spec's format, with the provenance in its metadata: the caller's
// chunks (the request's parameters, the image's address and input hash:
// see internal/provenance), in order, then VariantKeyword with the
// variant's attributes. A PNG carries them as text chunks; a JPEG as an
// XMP packet (APP1) and a comment (COM); a WebP as an XMP chunk; an AVIF
// as an XMP metadata item of its primary image (meta_avif.go). The spec must
// be valid for the source (Spec.Validate); an invalid one is an error.
//
// The same source, spec and provenance give the same bytes on every
// machine.
func (s *Source) Derive(spec Spec, provenance []pngtext.Chunk) ([]byte, error) {
	img, err := s.Render(spec)
	if err != nil {
		return nil, err
	}
	spec = spec.WithDefaults()
	chunks := append(append([]pngtext.Chunk(nil), provenance...), pngtext.Chunk{
		Keyword: VariantKeyword,
		Text:    fmt.Sprintf("%s v%d", spec.attributesJSON(), HashVersion),
	})
	switch spec.Format {
	case PNG:
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("encoding PNG: %w", err)
		}
		return pngtext.Insert(buf.Bytes(), chunks...)
	case JPEG:
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: spec.Quality}); err != nil {
			return nil, fmt.Errorf("encoding JPEG: %w", err)
		}
		return insertJPEGMetadata(buf.Bytes(), xmpPacket(chunks), commentText(chunks))
	case WebP:
		data, err := encodeWebP(unpremultiply(img), spec.Quality, spec.Lossless)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		return insertWebPXMP(data, xmpPacket(chunks), b.Dx(), b.Dy(), !img.Opaque())
	case AVIF:
		data, err := encodeAVIF(img, spec.Quality)
		if err != nil {
			return nil, err
		}
		return insertAVIFXMP(data, xmpMeta(chunks))
	}
	return nil, fmt.Errorf("deriving a variant: unsupported format %v", spec.Format)
}

// Render returns the variant's pixels before encoding: resampled,
// cropped, padded or stretched as the spec says (premultiplied; opaque
// unless the source or the background is not, or flattened over white
// for JPEG). The review page can show it; tests compare it.
func (s *Source) Render(spec Spec) (*image.RGBA, error) {
	if err := spec.Validate(s.Size()); err != nil {
		return nil, fmt.Errorf("deriving a variant: %w", err)
	}
	spec = spec.WithDefaults()
	l := spec.layout(s.Size())
	resized := derived.resize(s.px, l.x, l.y)
	var bg Colour
	if spec.Background != "" {
		var err error
		if bg, err = ParseColour(spec.Background); err != nil {
			return nil, fmt.Errorf("deriving a variant: %w", err)
		}
	}
	full := l.place == image.Rect(0, 0, l.out.Width, l.out.Height)
	if !full || (resized.ch == 4 && !spec.Format.HasAlpha()) {
		if !spec.Format.HasAlpha() && !full && !bg.Opaque() {
			bg = White
		}
		if full {
			bg = White // flatten a transparent source for JPEG
		}
		resized = compose(resized, l, bg)
	}
	return toRGBA(resized), nil
}

// compose draws the resized pixels at l.place over a canvas of l.out
// filled with bg (source-over, premultiplied, integer rounding).
func compose(src *pixels, l layout, bg Colour) *pixels {
	ch := 3
	if src.ch == 4 || !bg.Opaque() {
		ch = 4
	}
	dst := newPixels(l.out.Width, l.out.Height, ch)
	// The background, premultiplied.
	pre := [4]uint8{mul8(bg.R, bg.A), mul8(bg.G, bg.A), mul8(bg.B, bg.A), bg.A}
	for i := 0; i < len(dst.pix); i += ch {
		copy(dst.pix[i:i+ch], pre[:ch])
	}
	for y := range src.h {
		in := src.row(y)
		out := dst.row(l.place.Min.Y + y)[l.place.Min.X*ch:]
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

// toRGBA converts samples to an *image.RGBA (premultiplied).
func toRGBA(p *pixels) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, p.w, p.h))
	if p.ch == 4 {
		copy(img.Pix, p.pix)
		return img
	}
	for i := range p.w * p.h {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = p.pix[3*i], p.pix[3*i+1], p.pix[3*i+2], 255
	}
	return img
}

// unpremultiply converts to non-premultiplied RGBA, as libwebp takes it.
func unpremultiply(img *image.RGBA) *image.NRGBA {
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
