package derive

import (
	"math/bits"
	"sync"
)

// pixels is an image as interleaved 8-bit samples: RGB (ch 3, opaque) or
// premultiplied RGBA (ch 4), row after row with no padding.
type pixels struct {
	w, h, ch int
	pix      []uint8
	pooled   bool // pix came from tempBuffer, and release gives it back
}

// newPixels is a w×h image of ch channels, all samples zero: one that is
// kept (a Source's).
func newPixels(w, h, ch int) *pixels {
	return &pixels{w: w, h: h, ch: ch, pix: make([]uint8, w*h*ch)}
}

// tempPixels is a w×h image of ch channels whose samples are left as an
// earlier use left them: the caller writes every one. It comes from
// the buffers that release gave back, so that deriving a variant does
// not allocate (and the garbage collector, which waits for a running
// codec to stop it, does not run) for each of its passes.
func tempPixels(w, h, ch int) *pixels {
	return &pixels{w: w, h: h, ch: ch, pix: tempBuffer(w * h * ch), pooled: true}
}

// release gives p's buffer back for tempPixels, unless p is one of keep
// (a pass's input or result) or was not made by tempPixels (a Source's
// own pixels are never given back). p must not be used again.
func (p *pixels) release(keep ...*pixels) {
	if !p.pooled {
		return
	}
	for _, k := range keep {
		if p == k {
			return
		}
	}
	p.pooled = false
	releaseBuffer(p.pix)
}

// buffers are the free buffers by size class: class c holds buffers of
// capacity 1<<c. A buffer is up to twice what it holds (a 1200×630 RGBA
// variant's 3 MB takes 4 MiB), and a pool keeps what it is given until
// the second collection after: a few tens of MB at most for a run's
// sizes, against allocating every pass.
var buffers [40]sync.Pool

// tempBuffer is a buffer of n bytes, from the free ones when there is
// one of its size class; its bytes are whatever they were.
func tempBuffer(n int) []uint8 {
	if n == 0 {
		return nil
	}
	c := bits.Len(uint(n - 1))
	if b, ok := buffers[c].Get().(*[]uint8); ok {
		return (*b)[:n]
	}
	return make([]uint8, n, 1<<c)
}

// releaseBuffer gives b, which tempBuffer made, back to it; b must not
// be used again. A buffer whose capacity is no size class is left to
// the collector.
func releaseBuffer(b []uint8) {
	c := cap(b)
	if c == 0 || c&(c-1) != 0 {
		return
	}
	b = b[:c]
	buffers[bits.Len(uint(c-1))].Put(&b)
}

// row is row y's samples.
func (p *pixels) row(y int) []uint8 {
	n := p.w * p.ch
	return p.pix[y*n : (y+1)*n]
}
