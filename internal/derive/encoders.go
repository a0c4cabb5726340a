package derive

import (
	"fmt"
	"image"
)

// webpMethod is libwebp's effort, 0–6: cwebp's default, 4.
const webpMethod = 4

// encodeWebP encodes non-premultiplied RGBA as WebP: lossy at the given
// quality, or lossless.
func encodeWebP(img *image.NRGBA, quality int, lossless bool) ([]byte, error) {
	m, err := webpModule()
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	// encode(rgba, width, height, size*, colorspace, quality, method,
	// lossless, exact): colorspace 0 is RGBA.
	losslessFlag := uint64(0)
	if lossless {
		losslessFlag = 1
	}
	out, err := m.encodeCall(tight(img.Pix, img.Stride, 4*b.Dx(), b.Dy()), b.Dx(), b.Dy(), 0, uint64(quality), webpMethod, losslessFlag, 0)
	if err != nil {
		return nil, fmt.Errorf("encoding WebP: %w", err)
	}
	return out, nil
}

// avifSpeed is libaom's speed, 0–10: 10 is the fastest (gen2brain/avif's
// default); slower speeds gain a few per cent of size at many times the
// time, under WebAssembly.
const avifSpeed = 10

// avifYUV420 is libavif's AVIF_PIXEL_FORMAT_YUV420.
const avifYUV420 = 3

// encodeAVIF encodes premultiplied RGBA as AVIF, 8-bit 4:2:0, at the
// given quality (for colour and alpha).
func encodeAVIF(img *image.RGBA, quality int) ([]byte, error) {
	m, err := avifModule()
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	// encode(rgba, width, height, size*, quality, quality_alpha, speed,
	// chroma); the module takes premultiplied alpha.
	out, err := m.encodeCall(tight(img.Pix, img.Stride, 4*b.Dx(), b.Dy()), b.Dx(), b.Dy(), uint64(quality), uint64(quality), avifSpeed, avifYUV420)
	if err != nil {
		return nil, fmt.Errorf("encoding AVIF: %w", err)
	}
	return out, nil
}

// tight returns rows of rowBytes bytes without padding between them.
func tight(pix []byte, stride, rowBytes, rows int) []byte {
	if stride == rowBytes {
		return pix[:rowBytes*rows]
	}
	out := make([]byte, 0, rowBytes*rows)
	for y := range rows {
		out = append(out, pix[y*stride:y*stride+rowBytes]...)
	}
	return out
}
