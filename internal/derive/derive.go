package derive

import (
	"fmt"
	"image"

	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/variant"
)

// Derive decodes a source image (PNG or JPEG) and derives one variant
// from it: Decode, then Source.Derive. To derive several variants of one
// image, decode it once and call Source.Derive for each.
func Derive(source []byte, spec variant.Spec, provenance []pngtext.Chunk) ([]byte, error) {
	src, err := Decode(source)
	if err != nil {
		return nil, err
	}
	return src.Derive(spec, provenance)
}

// Derive makes the variant the spec describes and encodes it in the
// spec's format, with the provenance in its metadata: the caller's
// chunks, in order (apply gives a variant the image's address and input
// hash, which imgform show resolves to the request; see
// internal/provenance). A PNG carries them as text chunks; a JPEG as an
// XMP packet (APP1) and a comment (COM); a WebP as an XMP chunk; an AVIF
// as an XMP metadata item of its primary image (meta_avif.go). The spec
// must be valid for the source (variant.Spec.Validate); an invalid one is
// an error.
//
// The same source, spec and provenance give the same bytes on every
// machine.
func (s *Source) Derive(spec variant.Spec, provenance []pngtext.Chunk) ([]byte, error) {
	img, err := s.render(spec, true)
	if err != nil {
		return nil, err
	}
	data, err := encode(img, spec.WithDefaults(), provenance)
	releaseBuffer(img.Pix) // the encoders keep none of it
	return data, err
}

// Render returns the variant's pixels before encoding: resampled,
// cropped, padded or stretched as the spec says (premultiplied; opaque
// unless the source or the background is not, or flattened over white
// for JPEG). The review page can show it; tests compare it.
func (s *Source) Render(spec variant.Spec) (*image.RGBA, error) { return s.render(spec, false) }

// render is Render; with temp, the image's pixels come from tempBuffer,
// for the caller to release.
func (s *Source) render(spec variant.Spec, temp bool) (*image.RGBA, error) {
	if s.px.w < 1 || s.px.h < 1 {
		return nil, fmt.Errorf("deriving a variant: the source image is empty (%d×%d)", s.px.w, s.px.h)
	}
	if err := spec.Validate(s.Size()); err != nil {
		return nil, fmt.Errorf("deriving a variant: %w", err)
	}
	spec = spec.WithDefaults()
	l := spec.Layout(s.Size())
	resized := derived.resize(s.px, l.X, l.Y)
	var bg variant.Colour
	if spec.Background != "" {
		var err error
		if bg, err = variant.ParseColour(spec.Background); err != nil {
			return nil, fmt.Errorf("deriving a variant: %w", err)
		}
	}
	full := l.Place == image.Rect(0, 0, l.Out.Width, l.Out.Height)
	if !full || (resized.ch == 4 && !spec.Format.HasAlpha()) {
		if !spec.Format.HasAlpha() && !full && !bg.Opaque() {
			bg = variant.White
		}
		if full {
			bg = variant.White // flatten a transparent source for JPEG
		}
		composed := compose(resized, l, bg)
		resized.release() // a pass's image; never s.px, which is not pooled
		resized = composed
	}
	img := toRGBA(resized, temp)
	resized.release()
	return img, nil
}
