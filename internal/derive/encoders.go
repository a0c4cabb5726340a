package derive

import (
	"fmt"
	"image"
)

// libwebp's settings. Method is its effort, 0–6 (cwebp's default is 4);
// for lossless, quality is effort too (cwebp -z 2 is method 2, quality
// 25). Measured on the quality tests' thumbnails and crops under
// WebAssembly: lossy method 2 gives the same PSNR as 4 with 3–7 % more
// bytes in half the time; lossless -z 2 is 2–8 % larger than cwebp's
// default (-z 6) in a fifth of the time.
const (
	webpMethod             = 2
	webpLosslessMethod     = 2
	webpLosslessEffort     = 25
	webpColourspaceRGBA    = 0
	webpLosslessFlag       = 1
	webpKeepTransparentRGB = 0 // exact = 0: libwebp may change the colour of transparent pixels
)

// encodeWebP encodes non-premultiplied RGBA as WebP: lossy at the given
// quality, or lossless.
func encodeWebP(img *image.NRGBA, quality int, lossless bool) ([]byte, error) {
	m, err := webpModule()
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	// encode(rgba, width, height, size*, colorspace, quality, method,
	// lossless, exact).
	q, method, flag := uint64(quality), uint64(webpMethod), uint64(0)
	if lossless {
		q, method, flag = webpLosslessEffort, webpLosslessMethod, webpLosslessFlag
	}
	out, err := m.encodeCall(tight(img.Pix, img.Stride, 4*b.Dx(), b.Dy()), b.Dx(), b.Dy(), webpColourspaceRGBA, q, method, flag, webpKeepTransparentRGB)
	if err != nil {
		return nil, fmt.Errorf("encoding WebP: %w", err)
	}
	return out, nil
}

// avifSpeed is libavif's speed, 0–10: 10 is the fastest (gen2brain/avif's
// default; libavif gives libaom 9 for it, as for 9, the speed sharp's
// effort 0 asks libheif for); slower speeds gain a few per cent of size at
// many times the time, under WebAssembly: on bench/variants-sharp.sh's
// 256 px AVIFs at q60, 8 is 11 % smaller at 2.7 times the time.
const avifSpeed = 10

// libavif's AVIF_PIXEL_FORMAT_YUV444 and AVIF_PIXEL_FORMAT_YUV420.
const (
	avifYUV444 = 1
	avifYUV420 = 3
)

// avifChroma is the chroma of the AVIFs encoded: 4:4:4, sharp's default.
// On bench/variants-sharp.sh's 256 px AVIFs at q60, 4:2:0 was 3.5 dB
// below sharp's PSNR at the same bytes; 4:4:4 is at sharp's PSNR (+0.03
// dB) in 11 % fewer bytes before the metadata, for 3 times the encoding
// time of 4:2:0.
const avifChroma = avifYUV444

// encodeAVIF encodes premultiplied RGBA as AVIF, 8-bit 4:4:4, at the
// given quality (for colour and alpha).
func encodeAVIF(img *image.RGBA, quality int) ([]byte, error) {
	m, err := avifModule()
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	// encode(rgba, width, height, size*, quality, quality_alpha, speed,
	// chroma); the module takes premultiplied alpha.
	out, err := m.encodeCall(tight(img.Pix, img.Stride, 4*b.Dx(), b.Dy()), b.Dx(), b.Dy(), uint64(quality), uint64(quality), avifSpeed, avifChroma)
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
