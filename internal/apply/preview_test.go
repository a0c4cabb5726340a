package apply

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
)

// A preview pays for the images a plan needs, hands them over and puts
// them in the cache, and changes nothing else: no output, no state. The
// apply after it pays nothing.
func TestPreview(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	images := tiles(3)
	p, backend, st := w.plan(images, false)
	var mu sync.Mutex
	shown := map[string]int{}
	opts := w.options()
	opts.Preview = func(c *plan.Change, imgs []model.Image) error {
		mu.Lock()
		defer mu.Unlock()
		shown[c.Address] = len(imgs)
		return nil
	}
	s, err := Run(context.Background(), p, backend, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Summary{Generated: 3}, s, ignoreSpend); diff != "" {
		t.Errorf("preview summary (-want +got):\n%s", diff)
	}
	if len(shown) != 3 {
		t.Errorf("the preview was handed %v", shown)
	}
	for _, img := range images {
		if w.exists(img.Outputs[0]) {
			t.Errorf("a preview wrote %s", img.Outputs[0])
		}
	}
	if w.exists("imgform.state.json") {
		t.Error("a preview wrote the state")
	}
	if got := w.journaled(); len(got) != 0 {
		t.Errorf("jobs left in the journal: %v", got)
	}

	// The apply after it restores every previewed image from the cache.
	s = w.mustApply(images, w.options())
	if diff := cmp.Diff(&Summary{Created: 3, FromCache: 3}, s, ignoreSpend); diff != "" {
		t.Errorf("apply after the preview (-want +got):\n%s", diff)
	}
	if got := w.emu.Stats().Generated; got != 3 {
		t.Errorf("%d images generated in all, want 3", got)
	}
}

// A preview offline renders placeholders for the page, and caches none.
func TestPreviewOffline(t *testing.T) {
	w := newWorkspace(t)
	images := []*spec.Image{testImage("hero", 0, "a lighthouse", "hero.png")}
	p, backend, st := w.plan(images, true)
	var got []model.Image
	opts := w.options()
	opts.Offline = true
	opts.Preview = func(c *plan.Change, imgs []model.Image) error { got = imgs; return nil }
	s, err := Run(context.Background(), p, backend, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	if s.Rendered != 1 || len(got) != 1 || w.exists("hero.png") {
		t.Errorf("summary %+v, %d images handed over, hero.png written %v", s, len(got), w.exists("hero.png"))
	}
	if w.cache.Has(t.Context(), images[0].Request.InputHash(), 1) {
		t.Error("an offline placeholder was cached")
	}
}
