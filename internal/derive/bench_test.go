package derive

import (
	"fmt"
	"image"
	"testing"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	"github.com/imgform/imgform/internal/imagetest"
	"github.com/imgform/imgform/internal/variant"
)

// benchSources are 1024×1024 sources as the cache keeps them: an
// emulator placeholder (flat colours and text) and an image the size of
// a real one from the model (imagetest.LargePNG: gradients under noise,
// 1.8 MB, the hardest case for the encoders).
func benchSources(b *testing.B) []testSource {
	noise := imagetest.LargePNG()
	return []testSource{placeholderSource(b, 1), {name: "noise", data: noise, img: decodeBytes(b, noise)}}
}

// The variants of issue 22's speed targets.
var (
	thumbWebP  = variant.Spec{Width: 256, Format: variant.WebP, Quality: 82}
	socialJPEG = variant.Spec{Width: 1200, Height: 630, Fit: variant.Cover, Upscale: true, Format: variant.JPEG}
	iconPNG    = variant.Spec{Width: 128, Format: variant.PNG}
)

// reportCPU reports the CPU time per op (user and system, all threads)
// beside the wall time, as ms-cpu/op.
func reportCPU(b *testing.B, start time.Duration) {
	if c := cpuTime(); c > 0 {
		b.ReportMetric(float64(c-start)/float64(time.Millisecond)/float64(b.N), "ms-cpu/op")
	}
}

// BenchmarkDerive is the CPU of one variant from a decoded 1024² source
// (targets: 256 px WebP ≤ 40 ms, 1200×630 JPEG ≤ 40 ms), and from its
// bytes, decoding included.
func BenchmarkDerive(b *testing.B) {
	for _, src := range benchSources(b) {
		source := NewSource(src.img)
		for _, v := range []struct {
			name string
			spec variant.Spec
		}{{"webp256", thumbWebP}, {"jpeg1200x630", socialJPEG}, {"png128", iconPNG}} {
			if _, err := source.Derive(v.spec, nil); err != nil { // compiles the encoder once
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("src=%s/variant=%s/decoded", src.name, v.name), func(b *testing.B) {
				start := cpuTime()
				for b.Loop() {
					if _, err := source.Derive(v.spec, nil); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, start)
			})
			b.Run(fmt.Sprintf("src=%s/variant=%s/from-bytes", src.name, v.name), func(b *testing.B) {
				start := cpuTime()
				for b.Loop() {
					if _, err := Derive(src.data, v.spec, nil); err != nil {
						b.Fatal(err)
					}
				}
				reportCPU(b, start)
			})
		}
	}
}

// BenchmarkResize compares resamplers on the pixels alone (no decoding,
// no encoding): this package's fixed-point separable one and
// golang.org/x/image/draw's kernels, for a 256 px thumbnail and a
// 960×504 cover crop of a 1024² placeholder.
func BenchmarkResize(b *testing.B) {
	src := placeholderSource(b, 1)
	rgba := image.NewRGBA(src.img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), src.img, image.Point{}, draw.Src)
	source := NewSource(src.img)
	for _, c := range vipsCases {
		l := c.spec.WithDefaults().Layout(source.Size())
		b.Run(c.name+"/derive-fixed-point", func(b *testing.B) {
			for b.Loop() {
				derived.resize(source.px, l.X, l.Y)
			}
		})
		b.Run(c.name+"/derive-float-linear-light", func(b *testing.B) {
			for b.Loop() {
				floatResize(source.px, l.X, l.Y)
			}
		})
		for _, k := range []struct {
			name string
			t    draw.Transformer
		}{{"xdraw-CatmullRom", draw.CatmullRom}, {"xdraw-BiLinear", draw.BiLinear}} {
			b.Run(c.name+"/"+k.name, func(b *testing.B) {
				dst := image.NewRGBA(image.Rect(0, 0, l.Out.Width, l.Out.Height))
				m := f64.Aff3{float64(l.X.Den) / float64(l.X.Num), 0, -float64(l.X.Offset), 0, float64(l.Y.Den) / float64(l.Y.Num), -float64(l.Y.Offset)}
				for b.Loop() {
					k.t.Transform(dst, m, rgba, rgba.Bounds(), draw.Src, nil)
				}
			})
		}
	}
}
