//go:build unix

package apply

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/imagetest"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/spec"
)

// instantGenerator answers every request at once with one ready image:
// what is left of a run is the engine's own work (cache, encoding,
// writing, hashing, the state), which BenchmarkApplyOverhead measures.
// (The emulator would add its rendering; a real server its latency.)
type instantGenerator struct{ img model.Image }

func (g instantGenerator) Endpoint() string { return "https://instant.example" }
func (g instantGenerator) Generate(_ context.Context, req model.Request) (*generate.Result, error) {
	imgs := make([]model.Image, req.Samples())
	for i := range imgs {
		imgs[i] = g.img
	}
	return &generate.Result{Images: imgs, RequestID: "instant"}, nil
}

// cpuTimes returns the process's CPU time so far, in user space and in
// the kernel (for apply, writing files).
func cpuTimes() (user, sys time.Duration) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// BenchmarkApplyOverhead is apply's own CPU time per image, with images
// the size of real ones (1.8 MB PNGs): each op applies 50 new images to a
// project that has a few hundred, from the generator to the outputs, the
// cache and the state. Target: ≤ 5 ms of CPU per image. It reports
// imgform's own work (ms-user/image: hashing, encoding, the state) apart
// from the kernel's (ms-sys/image: copying each image into two files, the
// cache's and the output, and creating them), which depends on the
// filesystem: run it with TMPDIR on a tmpfs to see the first without the
// disk's share.
func BenchmarkApplyOverhead(b *testing.B) {
	img := model.Image{Data: imagetest.LargePNG(), ContentType: "image/png"}
	w := newWorkspace(b)
	var imgs []*spec.Image
	// apply adds n new images to the configuration and applies it.
	apply := func(n int) (user, sys time.Duration) {
		for range n {
			i := len(imgs)
			imgs = append(imgs, testImage("tile", i, "a tile "+strconv.Itoa(i), "tiles/"+strconv.Itoa(i)+".png"))
		}
		p, backend, st := w.plan(imgs, false)
		opts := w.options()
		opts.Generator = instantGenerator{img: img}
		u0, s0 := cpuTimes()
		s, err := Run(context.Background(), p, backend, st, opts)
		u1, s1 := cpuTimes()
		if err != nil || s.Created != n {
			b.Fatalf("apply: %v, %+v", err, s)
		}
		return u1 - u0, s1 - s0
	}
	apply(300) // a project with a cache: most of its 256 folders are there
	const n = 50
	var user, sys time.Duration
	images := 0
	for b.Loop() {
		u, s := apply(n)
		user, sys = user+u, sys+s
		images += n
	}
	perImage := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(images) }
	b.ReportMetric(perImage(user+sys), "ms-cpu/image")
	b.ReportMetric(perImage(user), "ms-user/image")
	b.ReportMetric(perImage(sys), "ms-sys/image")
	b.ReportMetric(float64(len(img.Data))/1e6, "MB/image")
}
