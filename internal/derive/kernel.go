package derive

import "math"

// The resampling kernel is Lanczos-3, as libvips uses by default, on a
// downscale after a box prefilter by an integer factor (libvips's
// "reduce gap" of 2: a shrink by s first averages blocks of ⌊s/2⌋
// pixels, then Lanczos-3 does the rest), so that thumbnails match
// vipsthumbnail's.
//
// Weights are computed in float64 once per output sample and quantised
// to weightBits-bit fixed point; the pixels are then resampled in integer
// arithmetic only. Every float expression below is written so that the
// compiler cannot fuse a multiply and an add into one FMA instruction (a
// product is converted with float64() before it is added), which Go
// allows on arm64, ppc64le, s390x and riscv64 and which would round
// differently from amd64 and 386: the weights, and so the pixels, are
// the same on every GOARCH.

// lobes is Lanczos-3's support in (source or output) pixels each side.
const lobes = 3

// kernel is a resampling filter: its weight at a distance, and the
// distance past which it is zero.
type kernel struct {
	name    string
	support float64
	at      func(float64) float64
}

// The kernels Derive uses: Lanczos-3 to shrink, Catmull-Rom to enlarge.
var (
	lanczos3Kernel   = kernel{name: "lanczos3", support: lobes, at: lanczos3}
	catmullRomKernel = kernel{name: "catmull-rom", support: 2, at: catmullRom}
)

// weightBits is the weights' fixed-point precision: they sum to
// 1<<weightBits.
const weightBits = 14

// lanczos3 is the Lanczos-3 kernel: sinc(x)·sinc(x/3) on (−3, 3).
func lanczos3(x float64) float64 {
	if x == 0 {
		return 1
	}
	if x <= -lobes || x >= lobes {
		return 0
	}
	return float64(sinc(x) * sinc(x/lobes))
}

// catmullRom is the Catmull-Rom cubic (Keys, a = −½) on (−2, 2).
func catmullRom(x float64) float64 {
	x = math.Abs(x)
	switch {
	case x < 1: // (1.5x − 2.5)x² + 1
		return float64(float64(float64(1.5*x)-2.5)*float64(x*x)) + 1
	case x < 2: // ((−0.5x + 2.5)x − 4)x + 2
		return float64(float64(float64(float64(float64(-0.5*x)+2.5)*x)-4)*x) + 2
	}
	return 0
}

// sinc is sin(πx)/(πx), for x ≠ 0.
func sinc(x float64) float64 {
	return sinPi(x) / float64(math.Pi*x)
}

// The Taylor coefficients of sin(πr) = Σ c_k r^(2k+1),
// c_k = (−1)^k π^(2k+1)/(2k+1)!, as exact constant expressions rounded
// once by the compiler. Eleven terms leave an error below 1e-17 for
// |r| ≤ ½.
const (
	sinPi0  = math.Pi
	sinPi1  = -sinPi0 * math.Pi * math.Pi / (2 * 3)
	sinPi2  = -sinPi1 * math.Pi * math.Pi / (4 * 5)
	sinPi3  = -sinPi2 * math.Pi * math.Pi / (6 * 7)
	sinPi4  = -sinPi3 * math.Pi * math.Pi / (8 * 9)
	sinPi5  = -sinPi4 * math.Pi * math.Pi / (10 * 11)
	sinPi6  = -sinPi5 * math.Pi * math.Pi / (12 * 13)
	sinPi7  = -sinPi6 * math.Pi * math.Pi / (14 * 15)
	sinPi8  = -sinPi7 * math.Pi * math.Pi / (16 * 17)
	sinPi9  = -sinPi8 * math.Pi * math.Pi / (18 * 19)
	sinPi10 = -sinPi9 * math.Pi * math.Pi / (20 * 21)
)

var sinPiTaylor = [...]float64{sinPi0, sinPi1, sinPi2, sinPi3, sinPi4, sinPi5, sinPi6, sinPi7, sinPi8, sinPi9, sinPi10}

// sinPi is sin(πx), computed the same way on every GOARCH (math.Sin is
// assembly on some and may be compiled with fused multiply-adds on
// others). x is reduced exactly to r = x − n, |r| ≤ ½, n an integer; then
// sin(πx) = ±sin(πr), by the Taylor series in Horner form.
func sinPi(x float64) float64 {
	n := math.RoundToEven(x)
	r := x - n
	z := float64(r * r)
	p := sinPiTaylor[len(sinPiTaylor)-1]
	for i := len(sinPiTaylor) - 2; i >= 0; i-- {
		p = float64(p*z) + sinPiTaylor[i]
	}
	p = float64(p * r)
	if math.Mod(n, 2) != 0 {
		return -p
	}
	return p
}

// taps are the fixed-point weights of one axis's resampling: output
// sample i is Σ weights[i*stride+k]·in[start[i]+k] for k < count[i],
// over 1<<weightBits.
type taps struct {
	start, count []int32
	stride       int
	weights      []int32
}

// newTaps computes the weights for n output samples of an axis whose
// input has size in pixels, output sample i being centred at input
// coordinate ((2(i+offset)+1)·num − den) / (2·den): the resized grid of
// pixels num/den input pixels wide, from offset on. Input samples past
// either edge repeat the edge one.
func newTaps(kern kernel, in, n, offset, num, den int) *taps {
	scale := float64(num) / float64(den)
	support := kern.support // in input pixels
	stretch := 1.0          // input pixels per kernel unit
	if num > den {          // downscaling: widen the kernel
		stretch = scale
		support = float64(kern.support * stretch)
	}
	stride := int(2*support) + 2
	t := &taps{
		start:   make([]int32, n),
		count:   make([]int32, n),
		stride:  stride,
		weights: make([]int32, n*stride),
	}
	raw := make([]float64, stride)
	for i := range n {
		j := int64(i + offset)
		centre := float64((2*j+1)*int64(num)-int64(den)) / float64(2*den)
		lo := int(math.Ceil(centre - support))
		hi := int(math.Floor(centre + support))
		if hi-lo+1 > stride {
			hi = lo + stride - 1
		}
		// The weights of the taps, with those past an edge added to
		// the edge sample's.
		first := max(lo, 0)
		last := min(hi, in-1)
		if first > last { // the sample lies wholly outside: take the edge
			first = min(max(first, 0), in-1)
			last = first
		}
		clear(raw)
		sum := 0.0
		for k := lo; k <= hi; k++ {
			w := kern.at((float64(k) - centre) / stretch)
			raw[min(max(k, first), last)-first] += w
			sum += w
		}
		count := last - first + 1
		row := t.weights[i*stride : i*stride+count]
		quantise(raw[:count], sum, row)
		t.start[i] = int32(first)
		t.count[i] = int32(count)
	}
	return t
}

// quantise writes the weights w (summing to sum) in fixed point to q,
// rounded so that they sum to exactly 1<<weightBits: what rounding
// leaves over goes to the largest weight.
func quantise(w []float64, sum float64, q []int32) {
	const one = 1 << weightBits
	total := int32(0)
	big := 0
	for k, v := range w {
		q[k] = int32(math.Floor(float64(v/sum*one) + 0.5))
		total += q[k]
		if q[k] > q[big] {
			big = k
		}
	}
	q[big] += one - total
}
