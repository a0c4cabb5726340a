package derive

// resampler is a way to resample: a kernel, and whether a box prefilter
// takes a shrink by s ≥ 4 down to between 2 and 4 first.
type resampler struct {
	kernel kernel
	gap    bool
}

// derived is how Derive resamples: Lanczos-3 with the box prefilter, as
// vipsthumbnail does. (The tests measure the alternatives.)
var derived = resampler{kernel: lanczos3Kernel, gap: true}

// resize resamples src along both axes as the layout says: per axis, a
// box prefilter by an integer factor when shrinking by 4 or more, then
// the kernel (see kernel.go). The vertical and horizontal passes run in
// the order that costs less; each rounds to 8 bits, as libvips does.
func (r resampler) resize(src *pixels, x, y axis) *pixels {
	if x.identity() && y.identity() {
		return src
	}
	kx, ky := 1, 1
	if r.gap {
		kx, ky = boxFactor(x), boxFactor(y)
	}
	outW, outH := x.n, y.n
	// Work of each order, in multiply-adds per channel: vertical first
	// runs over every source column, horizontal first over every
	// source row.
	tx, ty := r.tapsPerSample(x, kx), r.tapsPerSample(y, ky)
	verticalFirst := outH*(src.w/kx)*ty+outH*outW*tx <= outW*(src.h/ky)*tx+outH*outW*ty
	if verticalFirst {
		return r.resizeH(r.resizeV(src, y, ky), x, kx)
	}
	return r.resizeV(r.resizeH(src, x, kx), y, ky)
}

// boxFactor is the integer block size of the box prefilter on an axis:
// ⌊s/2⌋ for a shrink by s ≥ 4, else 1.
func boxFactor(a axis) int {
	return max(1, a.num/(2*a.den))
}

// tapsPerSample estimates the kernel's taps per output sample on an
// axis.
func (r resampler) tapsPerSample(a axis, k int) int {
	taps := int(2 * r.kernel.support)
	if a.num <= a.den*k {
		return taps
	}
	return taps*a.num/(a.den*k) + 1
}

func (r resampler) resizeV(src *pixels, a axis, k int) *pixels {
	if a.identity() {
		return src
	}
	if k > 1 {
		src = boxV(src, k)
	}
	t := newTaps(r.kernel, src.h, a.n, a.offset, a.num, a.den*k)
	dst := newPixels(src.w, a.n, src.ch)
	n := src.w * src.ch
	acc := make([]int32, n)
	for y := range a.n {
		clear(acc)
		start, count := int(t.start[y]), int(t.count[y])
		ws := t.weights[y*t.stride : y*t.stride+count]
		for i, w := range ws {
			in := src.row(start + i)
			in = in[:len(acc)]
			for j, v := range in {
				acc[j] += int32(v) * w
			}
		}
		out := dst.row(y)
		out = out[:len(acc)]
		for j, v := range acc {
			out[j] = clamp8(v)
		}
	}
	return dst
}

func (r resampler) resizeH(src *pixels, a axis, k int) *pixels {
	if a.identity() {
		return src
	}
	if k > 1 {
		src = boxH(src, k)
	}
	t := newTaps(r.kernel, src.w, a.n, a.offset, a.num, a.den*k)
	dst := newPixels(a.n, src.h, src.ch)
	for y := range src.h {
		in, out := src.row(y), dst.row(y)
		if src.ch == 3 {
			reduceRow3(in, out, t)
		} else {
			reduceRow4(in, out, t)
		}
	}
	return dst
}

func reduceRow3(in, out []uint8, t *taps) {
	for x := range len(out) / 3 {
		start, count := int(t.start[x])*3, int(t.count[x])
		ws := t.weights[x*t.stride : x*t.stride+count]
		px := in[start : start+3*count]
		var r, g, b int32
		for i, w := range ws {
			p := px[3*i : 3*i+3]
			r += int32(p[0]) * w
			g += int32(p[1]) * w
			b += int32(p[2]) * w
		}
		o := out[3*x : 3*x+3]
		o[0], o[1], o[2] = clamp8(r), clamp8(g), clamp8(b)
	}
}

func reduceRow4(in, out []uint8, t *taps) {
	for x := range len(out) / 4 {
		start, count := int(t.start[x])*4, int(t.count[x])
		ws := t.weights[x*t.stride : x*t.stride+count]
		px := in[start : start+4*count]
		var r, g, b, a int32
		for i, w := range ws {
			p := px[4*i : 4*i+4]
			r += int32(p[0]) * w
			g += int32(p[1]) * w
			b += int32(p[2]) * w
			a += int32(p[3]) * w
		}
		o := out[4*x : 4*x+4]
		// Premultiplied: no colour may exceed alpha.
		av := clamp8(a)
		o[0], o[1], o[2], o[3] = min(clamp8(r), av), min(clamp8(g), av), min(clamp8(b), av), av
	}
}

// clamp8 rounds a fixed-point sum to 8 bits, clamping the overshoot of
// the kernel's negative lobes.
func clamp8(v int32) uint8 {
	v = (v + 1<<(weightBits-1)) >> weightBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// boxV averages blocks of k rows (the last block may be shorter), with
// rounding.
func boxV(src *pixels, k int) *pixels {
	h := (src.h + k - 1) / k
	dst := newPixels(src.w, h, src.ch)
	acc := make([]uint32, src.w*src.ch)
	for y := range h {
		clear(acc)
		lo, hi := y*k, min((y+1)*k, src.h)
		for sy := lo; sy < hi; sy++ {
			in := src.row(sy)[:len(acc)]
			for j, v := range in {
				acc[j] += uint32(v)
			}
		}
		n := uint32(hi - lo)
		out := dst.row(y)[:len(acc)]
		for j, v := range acc {
			out[j] = uint8((v + n/2) / n)
		}
	}
	return dst
}

// boxH averages blocks of k columns (the last block may be narrower),
// with rounding.
func boxH(src *pixels, k int) *pixels {
	w := (src.w + k - 1) / k
	ch := src.ch
	dst := newPixels(w, src.h, ch)
	for y := range src.h {
		in, out := src.row(y), dst.row(y)
		for x := range w {
			lo, hi := x*k, min((x+1)*k, src.w)
			n := uint32(hi - lo)
			for c := range ch {
				var sum uint32
				for sx := lo; sx < hi; sx++ {
					sum += uint32(in[sx*ch+c])
				}
				out[x*ch+c] = uint8((sum + n/2) / n)
			}
		}
	}
	return dst
}
