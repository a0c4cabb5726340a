package plan

import (
	"fmt"
	"testing"

	"github.com/imgform/imgform/spec"
	"github.com/imgform/imgform/state"
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
func BenchmarkPlanNoop10k(b *testing.B) {
	dir := b.TempDir()
	images := benchImagesFor(b, benchImages)
	st := newState()
	for _, img := range images {
		apply(b, dir, st, img, state.GeneratorAPI)
	}
	opts := Options{Dir: dir, Cache: mapCache{}}
	b.ReportAllocs()
	for b.Loop() {
		p, err := Make(b.Context(), images, st, opts)
		if err != nil {
			b.Fatal(err)
		}
		if p.HasChanges() || p.Summary.Unchanged != benchImages || len(p.Refresh) != 0 {
			b.Fatalf("want a no-op plan of %d images, got %+v", benchImages, p.Summary)
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
