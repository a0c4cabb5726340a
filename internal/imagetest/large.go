package imagetest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
)

// LargePNG returns a 1024×1024 PNG about the size of a real one from the
// model (1.8 MB): gradients under four bits of noise, which does not
// compress. It is the same every time.
func LargePNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1024, 1024))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range 1024 {
		for x := range 1024 {
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(x/8 + r.IntN(16)), G: uint8(y/8 + r.IntN(16)), B: uint8((x+y)/16 + r.IntN(16)), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		panic(err) // encoding into memory does not fail
	}
	return buf.Bytes()
}
