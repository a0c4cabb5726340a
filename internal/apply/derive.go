package apply

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/pngtext"
	"github.com/imgform/imgform/internal/provenance"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/variant"
)

// VariantSource is an image decoded once to derive its variants from (a
// *derive.Source): Derive encodes the variant the spec describes, with
// the provenance in its metadata. It is called from several goroutines
// at once.
type VariantSource interface {
	Derive(spec variant.Spec, provenance []pngtext.Chunk) ([]byte, error)
}

// errNoDecoder fails a change that derives variants in a run given no
// Options.Decode.
var errNoDecoder = errors.New("no decoder to derive variants with (Options.Decode is nil)")

// deriver derives variants on every core, apart from the workers that
// obtain images: a change hands its images over and its worker goes on to
// the next change, so that deriving does not hold up a paid request.
//
// Memory is bounded by the work in flight, not by the plan: at most
// cap(held) changes' images are held at once, from the hand-over until
// the last of their variants is written and their decoded pixels are
// released; a worker handing over one more waits for room. That is the
// one wait deriving puts on a worker, and only while every core is busy
// deriving: the image the worker obtained is already written and
// recorded, and no request of its is in flight.
type deriver struct {
	slots chan struct{} // one per core: the derivations running at once
	held  chan struct{} // one per change whose images are held
	wg    sync.WaitGroup
	// live and peak count the changes held now and at most (tests read
	// peak: the bound is what they hold the deriver to).
	live, peak atomic.Int64
	// decode decodes an image to derive from (Options.Decode); nil fails
	// a change that derives a variant.
	decode  func(image []byte) (VariantSource, error)
	outputs *outputs
	gate    *gate // nothing is written once the run lost its lock
}

func newDeriver(decode func(image []byte) (VariantSource, error), out *outputs, g *gate) *deriver {
	n := runtime.GOMAXPROCS(0)
	d := &deriver{slots: make(chan struct{}, n), held: make(chan struct{}, maxHeld(n)), decode: decode, outputs: out, gate: g}
	newDeriverHook(d)
	return d
}

// newDeriverHook sees each deriver made: tests read its counts.
var newDeriverHook = func(*deriver) {}

// maxHeld is how many changes' images the deriver holds at once with n
// cores: one deriving on each core, and one more decoded ahead so that a
// core freed by one change finds the next ready.
func maxHeld(n int) int { return n + 1 }

// heldFullHook runs when a hand-over has to wait for room: tests hold
// back the derivations until then, to show that the deriver does not
// hold more.
var heldFullHook = func() {}

// deriveHook runs as each variant starts deriving: tests hold it to show
// what goes on meanwhile.
var deriveHook = func() {}

// wait waits for every derivation handed over.
func (d *deriver) wait() { d.wg.Wait() }

// start derives the change's variants in the background from its
// images, and then calls done with the records of those it wrote, by
// index into c.Variants, and the first error.
//
// It waits while the deriver holds as many changes as it may; a run
// stopped meanwhile gets errSubmitsStopped.
func (d *deriver) start(ctx context.Context, c *plan.Change, got *obtained, done func(records map[int]state.Variant, err error)) {
	select {
	case d.held <- struct{}{}:
	default:
		heldFullHook()
		select {
		case d.held <- struct{}{}:
		case <-ctx.Done():
			done(nil, errSubmitsStopped)
			return
		}
	}
	d.hold()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() {
			d.live.Add(-1)
			<-d.held
		}()
		done(d.all(ctx, c, got))
	}()
}

// hold counts one more change held, and its high-water mark.
func (d *deriver) hold() {
	n := d.live.Add(1)
	for {
		p := d.peak.Load()
		if n <= p || d.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// all derives every variant the change derives, each sample decoded
// once, and returns the records of those it wrote, by index into
// c.Variants. The first error is returned with them.
func (d *deriver) all(ctx context.Context, c *plan.Change, got *obtained) (map[int]state.Variant, error) {
	bySample := map[int][]int{}
	for _, i := range c.Derive {
		v := c.Variants[i]
		if v.Sample >= len(got.images) {
			return nil, fmt.Errorf("variant %q is of sample %d, and the image has %d", v.Name, v.Sample, len(got.images))
		}
		bySample[v.Sample] = append(bySample[v.Sample], i)
	}
	prov := variantProvenance(c.Address, c.InputHash)
	var (
		mu       sync.Mutex
		records  = map[int]state.Variant{}
		firstErr error
		wg       sync.WaitGroup
	)
	setErr := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	if len(bySample) > 0 && d.decode == nil {
		return nil, errNoDecoder
	}
	for sample, idx := range bySample {
		img := got.images[sample]
		d.slots <- struct{}{}
		src, err := d.decode(img.Data)
		<-d.slots
		if err != nil {
			setErr(fmt.Errorf("deriving the variants of sample %d: %w", sample, err))
			continue
		}
		for _, i := range idx {
			wg.Go(func() {
				rec, err := d.one(ctx, c, c.Variants[i], src, img, prov)
				if err != nil {
					setErr(err)
					return
				}
				mu.Lock()
				records[i] = rec
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return records, firstErr
}

// one derives one variant on one of the slots, and then writes it off
// the slot: a write waits on the disk (a file and its folder synced), and
// a core derives another variant meanwhile. Nothing is written once the
// run has lost its lock, or been stopped.
func (d *deriver) one(ctx context.Context, c *plan.Change, v plan.Variant, src VariantSource, img model.Image, prov []pngtext.Chunk) (state.Variant, error) {
	data, err := d.derive(ctx, v, src, prov)
	if err != nil {
		return state.Variant{}, err
	}
	if ctx.Err() != nil || d.gate.lost() != nil {
		return state.Variant{}, errSubmitsStopped
	}
	if err := d.outputs.keep(c, v.Path); err != nil {
		return state.Variant{}, err
	}
	out, err := d.outputs.write(v.Path, data, "a variant")
	if err != nil {
		return state.Variant{}, fmt.Errorf("variant %q: %w", v.Name, err)
	}
	return state.Variant{AttrHash: v.AttrHash, Attributes: v.Attributes(), ModTime: out.ModTime, Name: v.Name, Path: v.Path,
		Sample: v.Sample, SHA256: out.SHA256, Size: out.Size, SourceSHA256: img.Sum()}, nil
}

// derive encodes one variant, on one of the slots.
func (d *deriver) derive(ctx context.Context, v plan.Variant, src VariantSource, prov []pngtext.Chunk) ([]byte, error) {
	d.slots <- struct{}{}
	defer func() { <-d.slots }()
	deriveHook()
	if ctx.Err() != nil || d.gate.lost() != nil {
		return nil, errSubmitsStopped
	}
	data, err := src.Derive(v.Spec, prov)
	if err != nil {
		return nil, fmt.Errorf("variant %q: %w", v.Name, err)
	}
	return data, nil
}

// variantProvenance is what a variant file says of how it was made: the
// image's address and the short form of its input hash (its first 12
// digits, as plans print it), which imgform show ADDR resolves to the
// request (its prompt and parameters) and the state to the variant's
// attributes; the state also records the variant's own SHA-256. The
// image's own outputs carry the whole request; a variant, often a few
// kilobytes, only these: about 230 bytes of XMP, not 1–2 KB.
func variantProvenance(addr string, inputHash state.Hash) []pngtext.Chunk {
	return []pngtext.Chunk{
		{Keyword: provenance.Address, Text: addr},
		{Keyword: provenance.InputHash, Text: inputHash.Short()},
	}
}

// carriedVariants are the variants the change keeps as the state records
// them (at the paths its renames gave them): those it does not derive.
func carriedVariants(c *plan.Change, prior *state.Entry) []state.Variant {
	deriving := map[int]bool{}
	for _, i := range c.Derive {
		deriving[i] = true
	}
	var out []state.Variant
	for i, v := range c.Variants {
		if deriving[i] || prior == nil {
			continue
		}
		for _, old := range prior.Variants {
			if old.Name == v.Name && old.Sample == v.Sample {
				old.Path = v.Path
				out = append(out, old)
				break
			}
		}
	}
	return out
}

// withDerived returns the entry's variants with the records derived now
// put in, in the change's order.
func withDerived(have []state.Variant, derived map[int]state.Variant, want []plan.Variant) []state.Variant {
	var out []state.Variant
	for i, v := range want {
		if rec, ok := derived[i]; ok {
			out = append(out, rec)
			continue
		}
		for _, old := range have {
			if old.Name == v.Name && old.Sample == v.Sample {
				out = append(out, old)
				break
			}
		}
	}
	return out
}
