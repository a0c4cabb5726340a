package derive

// pixels is an image as interleaved 8-bit samples: RGB (ch 3, opaque) or
// premultiplied RGBA (ch 4), row after row with no padding.
type pixels struct {
	w, h, ch int
	pix      []uint8
}

func newPixels(w, h, ch int) *pixels {
	return &pixels{w: w, h: h, ch: ch, pix: make([]uint8, w*h*ch)}
}

// row is row y's samples.
func (p *pixels) row(y int) []uint8 {
	n := p.w * p.ch
	return p.pix[y*n : (y+1)*n]
}
