//go:build ignore

// variants-sources writes N photographic-like sources for
// bench/variants-sharp.sh, deterministically (the same files on every
// run and machine): 1024×1024 PNGs of 1/f noise in colour (octaves of
// smooth value noise, each half the amplitude of the one below, which
// gives the falling spectrum of a photograph), a light falling across
// the frame and a vignette, soft-edged ellipses and rectangles, and a
// sensor's grain. DETAIL (default 1) multiplies the grain and the fine
// octaves (features of 2 to 16 pixels): 3 gives a busier scene, whose
// variants compress less.
//
//	go run bench/variants-sources.go DIR N [DETAIL]
package main

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

const side = 1024

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go run bench/variants-sources.go DIR N [DETAIL]")
		os.Exit(2)
	}
	detail := 1.0
	if len(os.Args) == 4 {
		d, err := strconv.ParseFloat(os.Args[3], 64)
		if err != nil || d <= 0 {
			fmt.Fprintln(os.Stderr, "DETAIL must be a positive number")
			os.Exit(2)
		}
		detail = d
	}
	dir := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "N must be a positive number")
		os.Exit(2)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("%04d.png", i))
		if _, err := os.Stat(path); err == nil {
			continue
		}
		if err := write(path, source(uint64(i), detail)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// source is the i-th image.
func source(i uint64, detail float64) *image.NRGBA {
	r := rand.New(rand.NewPCG(0x1f2e3d4c, i))
	// Three channels of 1/f noise, mixed so that colours correlate as a
	// scene's do, around a base colour of the image.
	var ch [3][]float64
	for c := range ch {
		ch[c] = pinkNoise(r, detail)
	}
	base := [3]float64{0.25 + 0.5*r.Float64(), 0.25 + 0.5*r.Float64(), 0.25 + 0.5*r.Float64()}
	lum := make([]float64, side*side)
	for p := range lum {
		lum[p] = 0.6*ch[0][p] + 0.25*ch[1][p] + 0.15*ch[2][p]
	}
	// The light: a direction across the frame and a vignette.
	angle := 2 * math.Pi * r.Float64()
	lx, ly := math.Cos(angle), math.Sin(angle)
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	type shape struct {
		cx, cy, rx, ry float64
		rect           bool
		col            [3]float64
		soft           float64
	}
	shapes := make([]shape, 6+r.IntN(10))
	for k := range shapes {
		shapes[k] = shape{
			cx: r.Float64() * side, cy: r.Float64() * side,
			rx: 30 + 220*r.Float64(), ry: 30 + 220*r.Float64(),
			rect: r.IntN(3) == 0,
			col:  [3]float64{r.Float64(), r.Float64(), r.Float64()},
			soft: 1 + 6*r.Float64(),
		}
	}
	for y := range side {
		for x := range side {
			p := y*side + x
			fx, fy := float64(x)/side-0.5, float64(y)/side-0.5
			light := 0.85 + 0.35*(fx*lx+fy*ly) - 0.55*(fx*fx+fy*fy)
			var px [3]float64
			for c := range px {
				px[c] = base[c] + 0.35*lum[p] + 0.12*ch[c][p]
			}
			for _, s := range shapes {
				dx, dy := float64(x)-s.cx, float64(y)-s.cy
				var d float64 // signed distance (in pixels, about) to the edge
				if s.rect {
					d = math.Max(math.Abs(dx)-s.rx, math.Abs(dy)-s.ry)
				} else {
					d = (math.Sqrt(dx*dx/(s.rx*s.rx)+dy*dy/(s.ry*s.ry)) - 1) * math.Min(s.rx, s.ry)
				}
				a := 0.5 - d/(2*s.soft)
				if a <= 0 {
					continue
				}
				a = math.Min(a, 1) * 0.8
				for c := range px {
					px[c] = (1-a)*px[c] + a*(s.col[c]+0.25*lum[p])
				}
			}
			o := img.PixOffset(x, y)
			for c := range px {
				v := 255*px[c]*light + 4*detail*r.NormFloat64() // grain
				img.Pix[o+c] = uint8(math.Max(0, math.Min(255, math.Round(v))))
			}
			img.Pix[o+3] = 255
		}
	}
	return img
}

// pinkNoise is side×side of 1/f noise with values about −1…1: octaves of
// value noise on grids of 4, 8, … 512 cells, each octave half the
// amplitude of the coarser one (times detail from 64 cells on),
// interpolated with smoothstep.
func pinkNoise(r *rand.Rand, detail float64) []float64 {
	out := make([]float64, side*side)
	amp := 1.0
	for cells := 4; cells <= 512; cells *= 2 {
		g := make([]float64, (cells+1)*(cells+1))
		for k := range g {
			g[k] = 2*r.Float64() - 1
		}
		a := amp
		if cells >= 64 {
			a *= detail
		}
		scale := float64(cells) / side
		for y := range side {
			gy := float64(y) * scale
			y0 := int(gy)
			ty := smooth(gy - float64(y0))
			for x := range side {
				gx := float64(x) * scale
				x0 := int(gx)
				tx := smooth(gx - float64(x0))
				v0 := g[y0*(cells+1)+x0]*(1-tx) + g[y0*(cells+1)+x0+1]*tx
				v1 := g[(y0+1)*(cells+1)+x0]*(1-tx) + g[(y0+1)*(cells+1)+x0+1]*tx
				out[y*side+x] += a * (v0*(1-ty) + v1*ty)
			}
		}
		amp /= 2
	}
	return out
}

func smooth(t float64) float64 { return t * t * (3 - 2*t) }
