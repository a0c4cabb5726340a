package derive

import (
	"image"
	"image/color"
)

// solidImage is a w×h image of one opaque colour.
func solidImage(w, h int, c [3]uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c[0], c[1], c[2], 255
	}
	return img
}

// rampImage is a w×h image whose red grows with x and green with y, from
// 0 at the first pixel to 255 at the last, and blue constant: where a
// sample of it comes from can be read back from its colour.
func rampImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8((x*255 + (w-1)/2) / (w - 1)), G: uint8((y*255 + (h-1)/2) / (h - 1)), B: 100, A: 255})
		}
	}
	return img
}
