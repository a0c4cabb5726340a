package plan

import (
	"fmt"
	"testing"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

const benchImages = 10_000

// benchImagesFor declares n images as one for_each block would, each
// with its own prompt and output, spread over directories of 100 files.
func benchImagesFor(tb testing.TB, n int) []*spec.Image {
	tb.Helper()
	images := make([]*spec.Image, n)
	for i := range images {
		addr := fmt.Sprintf(`image.icon["k%05d"]`, i)
		out := fmt.Sprintf("icons/%03d/k%05d.png", i/100, i)
		images[i] = newImage(tb, addr, fmt.Sprintf("item %d, game icon, flat colours", i), out)
	}
	return images
}

// BenchmarkPlanNoop10k plans 10,000 images that are all applied: their
// files are on disk with the sizes and modification times the state
// records, so the plan finds nothing to do. Target: ≤ 300 ms/op on two
// cores.
func BenchmarkPlanNoop10k(b *testing.B) { benchmarkPlanNoop(b, benchImages) }

// BenchmarkPlanNoop100k is the same with 100,000 images (files on disk,
// state loaded). Target: ≤ 3.0 s/op on two cores.
func BenchmarkPlanNoop100k(b *testing.B) { benchmarkPlanNoop(b, 100_000) }

func benchmarkPlanNoop(b *testing.B, n int) {
	dir := b.TempDir()
	images := benchImagesFor(b, n)
	st := newState()
	const endpoint = "https://api.segmind.com"
	for _, img := range images {
		// As imgform records an image now: with the endpoint that made it
		// (a state from before that is read from the images themselves).
		apply(b, dir, st, img, state.GeneratorAPI).Endpoint = endpoint
	}
	opts := Options{Dir: dir, Cache: mapCache{}, Endpoint: endpoint}
	b.ReportAllocs()
	for b.Loop() {
		p, err := Make(b.Context(), images, st, opts)
		if err != nil {
			b.Fatal(err)
		}
		if p.HasChanges() || p.Summary.Unchanged != n || len(p.Refresh) != 0 {
			b.Fatalf("want a no-op plan of %d images, got %+v", n, p.Summary)
		}
	}
}

// BenchmarkPlanCreate10k plans 10,000 declared images against an empty
// state (10,000 creates).
func BenchmarkPlanCreate10k(b *testing.B) {
	dir := b.TempDir()
	// The output directories exist, as they would in a project whose
	// images were removed; the files do not.
	for i := 0; i < benchImages; i += 100 {
		writeFile(b, dir, fmt.Sprintf("icons/%03d/.keep", i/100), nil)
	}
	images := benchImagesFor(b, benchImages)
	st := newState()
	opts := Options{Dir: dir, Cache: mapCache{}}

	b.ReportAllocs()
	for b.Loop() {
		p, err := Make(b.Context(), images, st, opts)
		if err != nil {
			b.Fatal(err)
		}
		if p.Summary.Create != benchImages {
			b.Fatalf("want %d creates, got %+v", benchImages, p.Summary)
		}
	}
}
