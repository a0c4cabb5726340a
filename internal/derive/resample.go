package derive

import "github.com/imgform/imgform/internal/variant"

// resampler is a way to resample: a kernel for shrinking, one for
// enlarging (the same when unset), and whether a box prefilter takes a
// shrink by s ≥ 4 down to between 2 and 4 first.
type resampler struct {
	kernel, up kernel
	gap        bool
}

// derived is how Derive resamples, as vipsthumbnail does: Lanczos-3 with
// the box prefilter to shrink, Catmull-Rom (libvips's "bicubic") to
// enlarge. (The tests measure the alternatives.)
var derived = resampler{kernel: lanczos3Kernel, up: catmullRomKernel, gap: true}

// kernelFor is the kernel for an axis: up when it enlarges.
func (r resampler) kernelFor(a variant.Axis) kernel {
	if a.Num < a.Den && r.up.at != nil {
		return r.up
	}
	return r.kernel
}

// resize resamples src along both axes as the layout says (the result
// is src itself when neither changes, or from tempPixels): first, on an
// axis shrunk by 4 or more, a box prefilter averaging blocks of an
// integer number of pixels, then the kernel
// on each axis (see kernel.go), in the order that costs less. Each pass
// rounds to 8 bits, as libvips's do.
func (r resampler) resize(src *pixels, x, y variant.Axis) *pixels {
	if x.Identity() && y.Identity() {
		return src
	}
	orig := src
	if kx, ky := boxFactor(x), boxFactor(y); r.gap && kx*ky > 1 {
		src = box(src, kx, ky)
		x.Src, x.Den = src.w, x.Den*kx
		y.Src, y.Den = src.h, y.Den*ky
	}
	// The work of each order, in multiply-adds per channel: vertical
	// first runs over every source column, horizontal first over every
	// source row.
	tx, ty := r.tapsPerSample(x), r.tapsPerSample(y)
	var mid, out *pixels
	if y.N*src.w*ty+y.N*x.N*tx <= x.N*src.h*tx+y.N*x.N*ty {
		mid = r.resizeV(src, y)
		out = r.resizeH(mid, x)
	} else {
		mid = r.resizeH(src, x)
		out = r.resizeV(mid, y)
	}
	// The passes' own images go back; a pass that changed nothing
	// returned its input, which is the source's or the next one's.
	mid.release(orig, src, out)
	src.release(orig, out)
	return out
}

// boxFactor is the integer block size of the box prefilter on an axis:
// ⌊s/2⌋ for a shrink by s ≥ 4 (libvips's "gap" of 2), else 1.
func boxFactor(a variant.Axis) int {
	return max(1, a.Num/(2*a.Den))
}

// tapsPerSample estimates the kernel's taps per output sample on an
// axis.
func (r resampler) tapsPerSample(a variant.Axis) int {
	taps := int(2 * r.kernelFor(a).support)
	if a.Num <= a.Den {
		return taps
	}
	return taps*a.Num/a.Den + 1
}

// resizeV resamples the columns of src along axis a.
func (r resampler) resizeV(src *pixels, a variant.Axis) *pixels {
	if a.Identity() {
		return src
	}
	t := newTaps(r.kernelFor(a), src.h, a.N, a.Offset, a.Num, a.Den)
	dst := tempPixels(src.w, a.N, src.ch)
	n := src.w * src.ch
	acc := make([]int32, n)
	for y := range a.N {
		clear(acc)
		start, count := int(t.start[y]), int(t.count[y])
		ws := t.weights[y*t.stride : y*t.stride+count]
		// Four rows at a time, then the three, two or one left.
		i := 0
		for ; i+4 <= len(ws); i += 4 {
			w0, w1, w2, w3 := ws[i], ws[i+1], ws[i+2], ws[i+3]
			r0 := src.row(start + i)[:n]
			r1 := src.row(start + i + 1)[:n]
			r2 := src.row(start + i + 2)[:n]
			r3 := src.row(start + i + 3)[:n]
			for j := range acc {
				acc[j] += int32(r0[j])*w0 + int32(r1[j])*w1 + int32(r2[j])*w2 + int32(r3[j])*w3
			}
		}
		switch len(ws) - i {
		case 3:
			w0, w1, w2 := ws[i], ws[i+1], ws[i+2]
			r0 := src.row(start + i)[:n]
			r1 := src.row(start + i + 1)[:n]
			r2 := src.row(start + i + 2)[:n]
			for j := range acc {
				acc[j] += int32(r0[j])*w0 + int32(r1[j])*w1 + int32(r2[j])*w2
			}
		case 2:
			w0, w1 := ws[i], ws[i+1]
			r0 := src.row(start + i)[:n]
			r1 := src.row(start + i + 1)[:n]
			for j := range acc {
				acc[j] += int32(r0[j])*w0 + int32(r1[j])*w1
			}
		case 1:
			w0 := ws[i]
			r0 := src.row(start + i)[:n]
			for j := range acc {
				acc[j] += int32(r0[j]) * w0
			}
		}
		out := dst.row(y)[:n]
		for j, v := range acc {
			out[j] = clamp8(v)
		}
	}
	return dst
}

// resizeH resamples the rows of src along axis a.
func (r resampler) resizeH(src *pixels, a variant.Axis) *pixels {
	if a.Identity() {
		return src
	}
	t := newTaps(r.kernelFor(a), src.w, a.N, a.Offset, a.Num, a.Den)
	dst := tempPixels(a.N, src.h, src.ch)
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
		px := in[start : start+3*len(ws)]
		var r, g, b int32
		// Two taps at a time, then the one left.
		for len(ws) >= 2 && len(px) >= 6 {
			w0, w1 := ws[0], ws[1]
			r += int32(px[0])*w0 + int32(px[3])*w1
			g += int32(px[1])*w0 + int32(px[4])*w1
			b += int32(px[2])*w0 + int32(px[5])*w1
			ws, px = ws[2:], px[6:]
		}
		if len(ws) == 1 && len(px) >= 3 {
			w := ws[0]
			r += int32(px[0]) * w
			g += int32(px[1]) * w
			b += int32(px[2]) * w
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
	return uint8(min(max((v+1<<(weightBits-1))>>weightBits, 0), 255))
}

// box averages blocks of kx × ky pixels (those at the right and bottom
// edges may be smaller), rounding to nearest. It reads each sample once.
func box(src *pixels, kx, ky int) *pixels {
	w, h, ch := (src.w+kx-1)/kx, (src.h+ky-1)/ky, src.ch
	dst := tempPixels(w, h, ch)
	acc := make([]uint32, src.w*ch)
	for y := range h {
		clear(acc)
		lo, hi := y*ky, min((y+1)*ky, src.h)
		for sy := lo; sy < hi; sy++ {
			in := src.row(sy)[:len(acc)]
			for j, v := range in {
				acc[j] += uint32(v)
			}
		}
		out := dst.row(y)
		full := newDivider(uint64((hi - lo) * kx))
		for x := range w {
			xlo, xhi := x*kx, min((x+1)*kx, src.w)
			d := full
			if xhi-xlo != kx {
				d = newDivider(uint64((hi - lo) * (xhi - xlo)))
			}
			block := acc[xlo*ch : xhi*ch]
			o := out[x*ch : x*ch+ch]
			if ch == 3 {
				var r, g, b uint32
				for i := 0; i+2 < len(block); i += 3 {
					r += block[i]
					g += block[i+1]
					b += block[i+2]
				}
				o[0], o[1], o[2] = uint8(d.roundDiv(r)), uint8(d.roundDiv(g)), uint8(d.roundDiv(b))
				continue
			}
			for c := range ch {
				var sum uint32
				for i := c; i < len(block); i += ch {
					sum += block[i]
				}
				o[c] = uint8(d.roundDiv(sum))
			}
		}
	}
	return dst
}

// divider divides by n, rounding to nearest, by a multiplication: exact
// for the sums of up to 65,535 samples of 8 bits that box makes.
type divider struct {
	half, recip uint64
}

func newDivider(n uint64) divider {
	return divider{half: n / 2, recip: (1<<40 + n - 1) / n}
}

func (d divider) roundDiv(sum uint32) uint32 {
	return uint32((uint64(sum) + d.half) * d.recip >> 40)
}
