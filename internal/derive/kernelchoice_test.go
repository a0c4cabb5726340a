package derive

import (
	"fmt"
	"image"
	"math"
	"slices"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	"github.com/imgform/imgform/internal/variant"
)

// The kernels Derive could use, in this package's fixed-point resampler.
var (
	nearestKernel = kernel{name: "nearest", support: 0.5, at: func(x float64) float64 {
		if -0.5 <= x && x < 0.5 {
			return 1
		}
		return 0
	}}
	triangleKernel = kernel{name: "bilinear", support: 1, at: func(x float64) float64 {
		return max(0, 1-math.Abs(x))
	}}
)

// candidate is one way to make a variant's pixels, measured against
// vipsthumbnail.
type candidate struct {
	name   string
	render func(t *testing.T, src testSource, spec variant.Spec) image.Image
}

// ours renders with a resampler of this package, in sRGB.
func ours(name string, r resampler) candidate {
	return candidate{name, func(t *testing.T, src testSource, spec variant.Spec) image.Image {
		s := NewSource(src.img)
		l := spec.WithDefaults().Layout(s.Size())
		return toRGBA(r.resize(s.px, l.X, l.Y), false)
	}}
}

// xdraw renders with golang.org/x/image/draw, by the affine transform
// that maps the source onto the same resized grid and crop.
func xdraw(name string, interp draw.Transformer) candidate {
	return candidate{name, func(t *testing.T, src testSource, spec variant.Spec) image.Image {
		l := spec.WithDefaults().Layout(variant.Size{Width: src.img.Bounds().Dx(), Height: src.img.Bounds().Dy()})
		dst := image.NewRGBA(image.Rect(0, 0, l.Out.Width, l.Out.Height))
		sx, sy := float64(l.X.Den)/float64(l.X.Num), float64(l.Y.Den)/float64(l.Y.Num)
		m := f64.Aff3{sx, 0, -float64(l.X.Offset), 0, sy, -float64(l.Y.Offset)}
		interp.Transform(dst, m, src.img, src.img.Bounds(), draw.Src, nil)
		return dst
	}}
}

// linearLight renders with Derive's resampler (the same weights, box
// prefilter and Lanczos-3) in float64 on linear-light samples.
func linearLight() candidate {
	return candidate{"lanczos3+box, linear light (float)", func(t *testing.T, src testSource, spec variant.Spec) image.Image {
		s := NewSource(src.img)
		l := spec.WithDefaults().Layout(s.Size())
		return floatResize(s.px, l.X, l.Y)
	}}
}

// TestKernelChoiceMeasured measures the kernels and colour spaces Derive
// could use against vipsthumbnail (PSNR, dB) on issue 22's downscales,
// and checks that the one it uses, Lanczos-3 after a box prefilter in
// sRGB, scores best on every case: the choice is made by this
// measurement. With -v it prints the table.
func TestKernelChoiceMeasured(t *testing.T) {
	if testing.Short() {
		t.Skip("measures many resizes; not with -short")
	}
	candidates := []candidate{
		ours("lanczos3+box, sRGB (Derive's)", derived),
		ours("lanczos3, sRGB", resampler{kernel: lanczos3Kernel}),
		ours("catmull-rom+box, sRGB", resampler{kernel: catmullRomKernel, gap: true}),
		ours("bilinear (triangle), sRGB", resampler{kernel: triangleKernel}),
		ours("nearest (box), sRGB", resampler{kernel: nearestKernel}),
		linearLight(),
		xdraw("x/image/draw CatmullRom", draw.CatmullRom),
		xdraw("x/image/draw BiLinear", draw.BiLinear),
		xdraw("x/image/draw ApproxBiLinear", draw.ApproxBiLinear),
		xdraw("x/image/draw NearestNeighbor", draw.NearestNeighbor),
	}
	table := "| candidate |"
	for _, src := range qualitySources(t) {
		for _, c := range vipsCases {
			table += " " + src.name + " " + c.name + " |"
		}
	}
	scores := make([][]float64, len(candidates))
	for _, src := range qualitySources(t) {
		for _, c := range vipsCases {
			dir := t.TempDir()
			want := decodeFile(t, vipsReference(t, dir, src, c))
			for i, cand := range candidates {
				scores[i] = append(scores[i], psnr(t, want, cand.render(t, src, c.spec)))
			}
			// The same measured against vipsthumbnail --linear, for
			// the linear-light candidate only.
			linear := decodeFile(t, vipsReference(t, dir, src, vipsCase{c.name + "-linear", c.spec, append(slices.Clone(c.args), "--linear")}))
			t.Logf("%s %s: linear light against vipsthumbnail --linear: %.2f dB; sRGB (Derive's) against it: %.2f dB",
				src.name, c.name, psnr(t, linear, linearLight().render(t, src, c.spec)), psnr(t, linear, candidates[0].render(t, src, c.spec)))
		}
	}
	for i, cand := range candidates {
		table += "\n| " + cand.name + " |"
		for _, db := range scores[i] {
			table += fmt.Sprintf(" %.2f |", db)
		}
	}
	t.Log("PSNR against vipsthumbnail (dB):\n" + table)
	for k := range scores[0] {
		for i := 1; i < len(candidates); i++ {
			if scores[i][k] > scores[0][k] {
				t.Errorf("case %d: %s scores %.2f dB, above Derive's %.2f dB: the choice is no longer the best measured", k, candidates[i].name, scores[i][k], scores[0][k])
			}
		}
	}
}

// floatResize is the float64, linear-light twin of resampler.resize for
// the measurement: sRGB samples are decoded to linear light (the sRGB
// transfer function), box-prefiltered and resampled with Derive's
// weights, and encoded back to 8-bit sRGB.
func floatResize(src *pixels, x, y variant.Axis) *image.RGBA {
	toLinear := func(v uint8) float64 {
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	toSRGB := func(l float64) uint8 {
		l = min(max(l, 0), 1)
		c := 12.92 * l
		if l > 0.0031308 {
			c = 1.055*math.Pow(l, 1/2.4) - 0.055
		}
		return uint8(math.Round(c * 255))
	}
	ch := src.ch
	w, h := src.w, src.h
	buf := make([]float64, len(src.pix))
	for i, v := range src.pix {
		buf[i] = toLinear(v)
	}
	// Vertical: box then kernel.
	ky, kx := boxFactor(y), boxFactor(x)
	bh := (h + ky - 1) / ky
	boxed := make([]float64, w*bh*ch)
	for by := range bh {
		lo, hi := by*ky, min((by+1)*ky, h)
		for j := range w * ch {
			s := 0.0
			for yy := lo; yy < hi; yy++ {
				s += buf[yy*w*ch+j]
			}
			boxed[by*w*ch+j] = s / float64(hi-lo)
		}
	}
	tv := newTaps(lanczos3Kernel, bh, y.N, y.Offset, y.Num, y.Den*ky)
	vert := make([]float64, w*y.N*ch)
	for oy := range y.N {
		for k := range int(tv.count[oy]) {
			wt := float64(tv.weights[oy*tv.stride+k]) / (1 << weightBits)
			row := boxed[(int(tv.start[oy])+k)*w*ch:]
			for j := range w * ch {
				vert[oy*w*ch+j] += wt * row[j]
			}
		}
	}
	// Horizontal.
	bw := (w + kx - 1) / kx
	hbox := make([]float64, bw*y.N*ch)
	for yy := range y.N {
		for bx := range bw {
			lo, hi := bx*kx, min((bx+1)*kx, w)
			for c := range ch {
				s := 0.0
				for xx := lo; xx < hi; xx++ {
					s += vert[(yy*w+xx)*ch+c]
				}
				hbox[(yy*bw+bx)*ch+c] = s / float64(hi-lo)
			}
		}
	}
	th := newTaps(lanczos3Kernel, bw, x.N, x.Offset, x.Num, x.Den*kx)
	out := image.NewRGBA(image.Rect(0, 0, x.N, y.N))
	for yy := range y.N {
		for ox := range x.N {
			var acc [4]float64
			for k := range int(th.count[ox]) {
				wt := float64(th.weights[ox*th.stride+k]) / (1 << weightBits)
				for c := range ch {
					acc[c] += wt * hbox[(yy*bw+int(th.start[ox])+k)*ch+c]
				}
			}
			o := out.Pix[out.PixOffset(ox, yy):]
			for c := range 3 {
				o[c] = toSRGB(acc[c])
			}
			o[3] = 255
		}
	}
	return out
}
