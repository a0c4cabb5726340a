package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/outputfile"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// Source says where a change's images came from.
type Source string

const (
	FromCache    Source = "cache"   // the content cache (or another change of the same request)
	FromRenderer Source = "offline" // the placeholder renderer, offline
	FromAPI      Source = "api"     // the API, paid in this run
	FromJob      Source = "resumed" // a job an earlier run submitted (and paid for)
	FromDisk     Source = "disk"    // an output on disk that holds the image (for its variants)
)

// obtained is a change's images and where they came from.
type obtained struct {
	images        []model.Image
	source        Source
	generator     state.Generator
	requestID     string
	inferenceTime float64
	// endpoint is the origin of the API that made the images; placeholder
	// marks an emulator's placeholders.
	endpoint    string
	placeholder bool
	// costUSD is what the images cost when they were made: the charge the
	// provider reported, or the price table's figure.
	costUSD float64
}

// endpointOf is the origin of the API g calls; "" without one.
func endpointOf(g generate.Generator) string {
	if g == nil {
		return ""
	}
	return g.Endpoint()
}

// obtainer gets the images a change needs from where they cost least:
// the cache, the outputs on disk, the placeholder renderer, a journaled
// job or the API (the pipeline); two changes of one request wait for the
// same flight.
type obtainer struct {
	cache    *cache.Cache // nil: none
	offline  bool
	renderer generate.Generator
	gen      generate.Generator // the API; nil: none is configured
	endpoint string
	files    files
	ckpt     *checkpointer
	report   *report
	pipeline *pipeline
	flights  flights
}

// obtain gets a change's images: from the cache when it has them, from
// the placeholder renderer offline, from a job an earlier run submitted,
// or from the API. What the API made reaches the cache before anything
// else happens with it, so that a crash from here on costs nothing.
func (o *obtainer) obtain(ctx context.Context, c *plan.Change) (*obtained, error) {
	if got, ok, err := o.fromCache(ctx, c); err != nil || ok {
		return got, err
	}
	if c.FromOutput {
		return o.fromOutput(c)
	}
	if o.offline || (c.Generator == state.GeneratorOffline && !c.Cached) {
		return o.render(ctx, c)
	}
	if o.gen == nil {
		return nil, &FatalError{Err: ErrNoGenerator}
	}
	// Two changes of one request (two outputs of the same prompt and
	// seed, say) pay for it once: the first asks the API, the others wait
	// for its images.
	f, leader := o.flights.join(c.InputHash)
	if !leader {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err != nil {
			return nil, f.err
		}
		o.report.emit(Event{Type: EventCacheHit, Address: c.Address, Action: c.Action})
		shared := *f.got
		shared.source = FromCache
		return &shared, nil
	}
	got, err := o.pipeline.throughAPI(ctx, c)
	o.flights.land(c.InputHash, f, got, err)
	return got, err
}

// ErrNoGenerator is what a run that needs the API meets without one (no
// key was configured).
var ErrNoGenerator = errors.New("this run needs the API, and none is configured")

// fromCache gives the change its images from the cache, when the cache
// holds them and may serve them (see cacheServes). A forced replacement
// never takes them. A damaged entry is damage to that entry: a warning,
// and the image is made again. A cache that cannot tell (a shared cache
// that does not answer) fails the change: nothing is paid for an image
// the cache may well hold.
func (o *obtainer) fromCache(ctx context.Context, c *plan.Change) (*obtained, bool, error) {
	if o.cache == nil || c.Forced {
		return nil, false, nil
	}
	entry, imgs, err := o.cache.Get(ctx, c.InputHash)
	var damaged *cache.DamagedError
	switch {
	case errors.As(err, &damaged):
		o.report.emit(Event{Type: EventWarning, Address: c.Address, Message: err.Error() + "; the image is made again, and the damaged copy replaced"})
		return nil, false, nil
	case errors.Is(err, cache.ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("the content cache cannot be read, so this image is not paid for again: %w", err)
	}
	if entry.Healed != "" {
		o.report.emit(Event{Type: EventWarning, Address: c.Address, Message: entry.Healed})
	}
	if len(imgs) < c.Request.Samples() || !o.cacheServes(c, entry, imgs) {
		return nil, false, nil
	}
	o.report.emit(Event{Type: EventCacheHit, Address: c.Address, Action: c.Action})
	return &obtained{images: imgs, source: FromCache, generator: state.GeneratorAPI,
		requestID: entry.RequestID, inferenceTime: entry.InferenceTime,
		endpoint: entry.Endpoint, placeholder: entry.Placeholder, costUSD: entry.CostUSD}, true, nil
}

// cacheServes reports whether a cached entry may give the change its
// images, by the rules the plan priced it with (plan.CacheServes),
// against the state as this run has it.
func (o *obtainer) cacheServes(c *plan.Change, entry *cache.Entry, imgs []model.Image) bool {
	info := cache.Info{Endpoint: entry.Endpoint, Placeholder: entry.Placeholder}
	for _, img := range imgs {
		info.Files = append(info.Files, img.Sum())
	}
	var serves bool
	o.ckpt.read(func(st *state.State) {
		serves, _ = plan.CacheServes(info, c, st.Images[c.Address], o.offline, o.endpoint)
	})
	return serves
}

// render makes placeholders offline (apply --offline, or the restore of
// an image made offline): they say so in the picture and their metadata.
func (o *obtainer) render(ctx context.Context, c *plan.Change) (*obtained, error) {
	if o.renderer == nil {
		return nil, &FatalError{Err: errors.New("this run renders placeholders, and no renderer is configured; this is a bug in imgform")}
	}
	res, err := o.renderer.Generate(ctx, *c.Request)
	if err != nil {
		return nil, err
	}
	return &obtained{images: res.Images, source: FromRenderer, generator: state.GeneratorOffline}, nil
}

// flight is one request being obtained from the API, which other changes
// of the same request wait for.
type flight struct {
	done chan struct{}
	got  *obtained
	err  error
}

// flights are the requests being obtained from the API, by input hash.
type flights struct {
	mu sync.Mutex
	m  map[state.Hash]*flight
}

// join returns the flight of input hash h, and whether the caller leads
// it (and must land it).
func (fs *flights) join(h state.Hash) (*flight, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.m[h]; ok {
		return f, false
	}
	if fs.m == nil {
		fs.m = map[state.Hash]*flight{}
	}
	f := &flight{done: make(chan struct{})}
	fs.m[h] = f
	return f, true
}

// land ends a flight with its result. Changes that come later find the
// images in the cache.
func (fs *flights) land(h state.Hash, f *flight, got *obtained, err error) {
	f.got, f.err = got, err
	fs.mu.Lock()
	delete(fs.m, h)
	fs.mu.Unlock()
	close(f.done)
}

// fromOutput gives a change that only derives variants the recorded
// image, read back from its outputs (PNGs that hold it as the generator
// gave it, their provenance stripped), when the cache does not hold it.
// An output that no longer holds it fails the change: nothing is paid for
// an image the plan said was free.
func (o *obtainer) fromOutput(c *plan.Change) (*obtained, error) {
	var prior *state.Entry
	o.ckpt.read(func(st *state.State) {
		if e := st.Images[c.Address]; e != nil {
			prior = e.Clone()
		}
	})
	if prior == nil {
		return nil, fmt.Errorf("the state has no record of %s", c.Address)
	}
	images := make([]model.Image, prior.Request.Samples())
	for _, i := range c.Derive {
		s := c.Variants[i].Sample
		if images[s].Data != nil {
			continue
		}
		if s >= len(prior.Outputs) {
			return nil, fmt.Errorf("variant %q needs sample %d, which has no output to derive it from", c.Variants[i].Name, s)
		}
		out := prior.Outputs[s]
		data, err := o.files.read(out.Path)
		if err != nil {
			return nil, err
		}
		img := data // a file imported as it is
		if stripped, _, _, ok := outputfile.Strip(data); ok {
			img = stripped // imgform's output: the image, with its provenance
		}
		if out.SourceSHA256.IsZero() || state.SumBytes(img) != out.SourceSHA256 {
			return nil, fmt.Errorf("%s no longer holds the image its variants are derived from (the cache does not hold it either); plan again", out.Path)
		}
		images[s] = model.Image{Data: img, ContentType: imagecheck.ContentType(img), SHA256: out.SourceSHA256}
	}
	return &obtained{images: images, source: FromDisk, generator: prior.Generator, endpoint: prior.Endpoint, placeholder: prior.Placeholder}, nil
}
