package apply

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/imgform/imgform/internal/derive"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/provenance"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/variant"
)

// withVariants gives img variants: a 256 px WebP thumbnail and a
// 1200×630 JPEG card, named after the image.
func withVariants(img *spec.Image, quality int) *spec.Image {
	n := img.Addr.Name
	img.Variants = []spec.Variant{
		{Name: "thumb", Spec: variant.Spec{Width: 256, Quality: quality, Format: variant.WebP}, Outputs: []string{n + "-256.webp"}},
		{Name: "social", Spec: variant.Spec{Width: 1200, Height: 630, Upscale: true, Format: variant.JPEG}, Outputs: []string{n + "-social.jpg"}},
	}
	return img
}

// planOf plans images against the workspace's state, for a test to look
// at the plan alone.
func (w *workspace) planOf(images ...*spec.Image) *plan.Plan {
	w.t.Helper()
	p, _, _ := w.plan(images, false)
	if w.lock != nil {
		w.lock.Unlock()
		w.lock = nil
	}
	return p
}

func TestVariantsDerivedWithTheImage(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	hero := withVariants(testImage("hero", 0, "castle on a cliff at dusk", "hero.png"), 82)
	s := w.mustApply([]*spec.Image{hero}, w.options())
	if s.Created != 1 || s.Derived != 2 || s.Generated != 1 {
		t.Fatalf("summary %+v, want the image created and its two variants derived", s)
	}
	_, st := w.load()
	e := st.Images["image.hero[0]"]
	if len(e.Variants) != 2 {
		t.Fatalf("the state records %d variants", len(e.Variants))
	}
	for _, v := range e.Variants {
		data := w.read(v.Path)
		if state.SumBytes(data) != v.SHA256 || int64(len(data)) != v.Size || v.SourceSHA256 != e.Outputs[0].SourceSHA256 {
			t.Errorf("variant %s: the record %+v does not match the file (or its source)", v.Name, v)
		}
		prov, err := derive.ReadProvenance(data)
		if err != nil || !maps.Equal(prov, map[string]string{provenance.Address: "image.hero[0]", provenance.InputHash: e.InputHash.Short()}) {
			t.Errorf("variant %s carries the provenance %v (%v)", v.Name, prov, err)
		}
	}
	if img, err := derive.Decode(w.read("hero-social.jpg")); err != nil || img.Size() != (variant.Size{Width: 1200, Height: 630}) {
		t.Errorf("the social card decodes to %v (%v), want 1200×630", img.Size(), err)
	}

	// Nothing to do once applied.
	if p := w.planOf(hero); len(p.Changes) != 0 {
		t.Errorf("a second plan has %d changes: %+v", len(p.Changes), p.Changes[0])
	}
}

// A run given no Decode derives nothing: the change fails, saying why,
// and no variant is written or recorded.
func TestVariantsWithoutDecodeFail(t *testing.T) {
	w := newWorkspace(t)
	hero := withVariants(testImage("hero", 0, "castle on a cliff at dusk", "hero.png"), 82)
	opts := w.offline()
	opts.Decode = nil
	s, err := w.apply(t.Context(), []*spec.Image{hero}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Failed) != 1 || !strings.Contains(s.Failed[0].Reason, "Options.Decode is nil") || s.Derived != 0 {
		t.Errorf("summary %+v, want the change failed for want of a decoder", s)
	}
	for _, p := range []string{"hero-256.webp", "hero-social.jpg"} {
		if w.exists(p) {
			t.Errorf("%s was written", p)
		}
	}
	if _, st := w.load(); st.Images["image.hero[0]"] != nil && len(st.Images["image.hero[0]"].Variants) != 0 {
		t.Errorf("the state records variants: %+v", st.Images["image.hero[0]"].Variants)
	}
}

// A change of one variant's quality plans a derive of that variant only,
// free, and the apply sends no request to the API.
func TestVariantQualityChangeDerivesOnly(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	w.mustApply([]*spec.Image{withVariants(testImage("hero", 0, "castle", "hero.png"), 82)}, w.options())
	before := w.apiRequests()
	social := w.read("hero-social.jpg")
	thumb := w.read("hero-256.webp")

	hero := withVariants(testImage("hero", 0, "castle", "hero.png"), 60)
	p := w.planOf(hero)
	if len(p.Changes) != 1 {
		t.Fatalf("%d changes, want 1", len(p.Changes))
	}
	c := p.Changes[0]
	if c.Action != plan.Derive || c.Cost != 0 || len(c.Derive) != 1 || c.Variants[c.Derive[0]].Name != "thumb" || len(c.Write) != 0 {
		t.Fatalf("change %s %+v: want a free derive of the thumbnail", c.Action, c)
	}
	if len(c.VariantDiffs) != 1 || !slices.Equal(c.VariantDiffs[0].Diff, []plan.ParamDiff{{Name: "quality", Old: "82", New: "60"}}) {
		t.Errorf("variant diffs %+v, want quality 82 → 60", c.VariantDiffs)
	}
	if p.Summary.Derive != 1 || p.Summary.Generate != 0 {
		t.Errorf("summary %+v", p.Summary)
	}

	s := w.mustApply([]*spec.Image{hero}, w.options())
	if s.Rederived != 1 || s.Derived != 1 || s.Generated != 0 {
		t.Errorf("summary %+v, want one variant derived and nothing generated", s)
	}
	if after := w.apiRequests(); !mapsEqual(before, after) {
		t.Errorf("the API was asked %v, then %v: a derive asks it nothing", before, after)
	}
	if !bytes.Equal(w.read("hero-social.jpg"), social) {
		t.Error("the social card was written again")
	}
	if bytes.Equal(w.read("hero-256.webp"), thumb) {
		t.Error("the thumbnail is the same bytes at another quality")
	}
	if p := w.planOf(hero); len(p.Changes) != 0 {
		t.Errorf("a plan after the apply has %d changes", len(p.Changes))
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A variant deleted on disk is derived again, to the same bytes; one
// edited by hand is kept in .imgform/kept before it is; one no longer
// declared is removed.
func TestVariantDriftAndRemoval(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	hero := withVariants(testImage("hero", 0, "castle", "hero.png"), 82)
	w.mustApply([]*spec.Image{hero}, w.options())
	thumb := w.read("hero-256.webp")
	social := w.read("hero-social.jpg")
	if err := os.Remove(w.path("hero-256.webp")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.path("hero-social.jpg"), []byte("retouched by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := w.planOf(hero)
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Derive || len(p.Changes[0].Derive) != 2 {
		t.Fatalf("plan %+v, want both variants derived again", p.Changes)
	}
	kinds := map[plan.ReasonKind]bool{}
	for _, r := range p.Changes[0].Reasons {
		kinds[r.Kind] = true
	}
	if !kinds[plan.ReasonMissing] || !kinds[plan.ReasonEdited] {
		t.Errorf("reasons %+v, want missing and edited", p.Changes[0].Reasons)
	}
	before := w.apiRequests()
	s := w.mustApply([]*spec.Image{hero}, w.options())
	if !bytes.Equal(w.read("hero-256.webp"), thumb) || !bytes.Equal(w.read("hero-social.jpg"), social) {
		t.Error("a variant derived again is not the same bytes")
	}
	if s.Kept != 1 {
		t.Errorf("%d files kept, want the edited card", s.Kept)
	}
	kept, _ := filepath.Glob(filepath.Join(w.dir, ".imgform", "kept", "*", "hero-social.jpg"))
	if len(kept) != 1 {
		t.Errorf("kept copies: %v", kept)
	}
	if !mapsEqual(before, w.apiRequests()) {
		t.Error("the API was asked for variants")
	}

	// The card is no longer declared: its file goes.
	hero.Variants = hero.Variants[:1]
	p = w.planOf(hero)
	if len(p.Changes) != 1 || !slices.Equal(p.Changes[0].Remove, []string{"hero-social.jpg"}) {
		t.Fatalf("plan %+v, want the card removed", p.Changes)
	}
	w.mustApply([]*spec.Image{hero}, w.options())
	if w.exists("hero-social.jpg") {
		t.Error("the card is still there")
	}
	if _, st := w.load(); len(st.Images["image.hero[0]"].Variants) != 1 {
		t.Errorf("the state records %d variants", len(st.Images["image.hero[0]"].Variants))
	}
}

// An image with variants and no output of its own is kept in the cache;
// its variants are derived from there. When the cache no longer holds it
// (pruned), a variant change makes it again, and says it costs; when a
// PNG output holds it, the variants are derived from that output, free.
func TestVariantSource(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	icon := withVariants(testImage("icon", 0, "a sword"), 82)
	icon.Request = icon.Request.With("samples", model.Int(1))
	w.mustApply([]*spec.Image{icon}, w.options())
	if !w.exists("icon-256.webp") || len(w.recorded()) != 1 {
		t.Fatal("the variants of an image without output were not written")
	}

	emptyCache := func() {
		if err := os.RemoveAll(filepath.Join(w.dir, ".imgform", "cache")); err != nil {
			t.Fatal(err)
		}
	}
	emptyCache()
	icon = withVariants(testImage("icon", 0, "a sword"), 70)
	icon.Request = icon.Request.With("samples", model.Int(1))
	p := w.planOf(icon)
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Restore || p.Changes[0].Cost != 1 || len(p.Changes[0].Derive) != 2 {
		t.Fatalf("plan %+v, want the image made again (cost 1) and both variants derived", p.Changes[0])
	}

	// With a PNG output, no cache: derived from the output.
	hero := withVariants(testImage("hero", 0, "castle", "hero.png"), 82)
	w.mustApply([]*spec.Image{hero}, w.options())
	emptyCache()
	hero = withVariants(testImage("hero", 0, "castle", "hero.png"), 70)
	p = w.planOf(hero)
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Derive || p.Changes[0].Cost != 0 || !p.Changes[0].FromOutput {
		t.Fatalf("plan %+v, want a free derive from the output", p.Changes[0])
	}
	before := w.apiRequests()
	s := w.mustApply([]*spec.Image{hero}, w.options())
	if s.Derived != 1 || !mapsEqual(before, w.apiRequests()) {
		t.Errorf("summary %+v; the API was asked %v then %v", s, before, w.apiRequests())
	}
}

// A variant whose output path changed is renamed, not derived again; a
// moved block takes the variants along with their image.
func TestVariantMoved(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	hero := withVariants(testImage("hero", 0, "castle", "hero.png"), 82)
	w.mustApply([]*spec.Image{hero}, w.options())
	thumb := w.read("hero-256.webp")
	hero.Variants[0].Outputs = []string{"thumbs/hero.webp"}
	p := w.planOf(hero)
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Move || !slices.Equal(p.Changes[0].Moves, []plan.Rename{{From: "hero-256.webp", To: "thumbs/hero.webp"}}) || len(p.Changes[0].Derive) != 0 {
		t.Fatalf("plan %+v, want the thumbnail renamed", p.Changes)
	}
	s := w.mustApply([]*spec.Image{hero}, w.options())
	if s.Moved != 1 || s.Derived != 0 || !bytes.Equal(w.read("thumbs/hero.webp"), thumb) || w.exists("hero-256.webp") {
		t.Errorf("summary %+v: want the file moved as it is", s)
	}
	if p := w.planOf(hero); len(p.Changes) != 0 {
		t.Errorf("after the move, %d changes: %+v", len(p.Changes), p.Changes[0])
	}
}

// Deriving never holds up a paid request: with one worker, the second
// image is submitted while the first one's variants are still being
// derived (held here until it is).
func TestDerivingDoesNotHoldUpSubmits(t *testing.T) {
	release := make(chan struct{})
	deriveHook = func() { <-release }
	t.Cleanup(func() { deriveHook = func() {} })
	w := newWorkspace(t).withEmulator(quick, "k")
	rec := &recorder{hook: func(e Event) {
		if e.Type == EventSubmitted && e.Address == "image.b[1]" {
			close(release) // the second image went while the first was deriving
		}
	}}
	opts := w.options()
	opts.Parallelism, opts.Events = 1, rec
	s := w.mustApply([]*spec.Image{
		withVariants(testImage("a", 0, "first", "a.png"), 82),
		withVariants(testImage("b", 1, "second", "b.png"), 82),
	}, opts)
	if s.Created != 2 || s.Derived != 4 {
		t.Errorf("summary %+v", s)
	}
}

// The deriver holds the images of a few changes at once, whatever the
// plan's size: with every derivation held back, the workers hand over
// changes until the deriver is full, and then wait (heldFullHook), rather
// than piling every image up in memory. Were the hand-over not to wait,
// every change would start, and the high-water mark would pass the bound.
func TestDeriverHoldsAFewImagesAtOnce(t *testing.T) {
	const workers = 4
	bound := maxHeld(runtime.GOMAXPROCS(0))
	n := bound + workers + 3
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	deriveHook = func() { <-release }
	heldFullHook = open
	var made *deriver
	newDeriverHook = func(d *deriver) { made = d }
	t.Cleanup(func() { deriveHook, heldFullHook, newDeriverHook = func() {}, func() {}, func(*deriver) {} })
	var started atomic.Int64
	rec := &recorder{hook: func(e Event) {
		if e.Type == EventStarted && started.Add(1) == int64(n) {
			open() // every change started: the hand-over did not wait
		}
	}}
	w := newWorkspace(t).withEmulator(quick, "k")
	var images []*spec.Image
	for i := range n {
		images = append(images, withVariants(testImage("tile", i, fmt.Sprintf("tile %d", i), fmt.Sprintf("tile-%d.png", i)), 82))
	}
	opts := w.options()
	opts.Parallelism, opts.Events = workers, rec
	s := w.mustApply(images, opts)
	if s.Created != n || s.Derived != 2*n {
		t.Errorf("summary %+v, want %d created and %d derived", s, n, 2*n)
	}
	if peak := made.peak.Load(); peak > int64(bound) {
		t.Errorf("the deriver held %d changes' images at once; the bound is %d", peak, bound)
	}
	if got := made.live.Load(); got != 0 {
		t.Errorf("%d changes still held after the run", got)
	}
}
