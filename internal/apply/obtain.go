package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
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

// endpoint is the origin of the API this run calls; "" without one.
func (r *runner) endpoint() string {
	if r.opts.Generator == nil {
		return ""
	}
	return r.opts.Generator.Endpoint()
}

// obtain gets a change's images: from the cache when it has them, from
// the placeholder renderer offline, from a job an earlier run submitted,
// or from the API. What the API made reaches the cache before anything
// else happens with it, so that a crash from here on costs nothing.
func (r *runner) obtain(ctx context.Context, c *plan.Change) (*obtained, error) {
	if got, ok, err := r.fromCache(ctx, c); err != nil || ok {
		return got, err
	}
	if c.FromOutput {
		return r.fromOutput(c)
	}
	if r.opts.Offline || (c.Generator == state.GeneratorOffline && !c.Cached) {
		return r.render(ctx, c)
	}
	if r.opts.Generator == nil {
		return nil, &FatalError{Err: ErrNoGenerator}
	}
	// Two changes of one request (two outputs of the same prompt and
	// seed, say) pay for it once: the first asks the API, the others wait
	// for its images.
	f, leader := r.join(c.InputHash)
	if !leader {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err != nil {
			return nil, f.err
		}
		r.report.emit(Event{Type: EventCacheHit, Address: c.Address, Action: c.Action})
		shared := *f.got
		shared.source = FromCache
		return &shared, nil
	}
	got, err := r.pipeline.throughAPI(ctx, c)
	r.land(c.InputHash, f, got, err)
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
func (r *runner) fromCache(ctx context.Context, c *plan.Change) (*obtained, bool, error) {
	if r.opts.Cache == nil || c.Forced {
		return nil, false, nil
	}
	entry, imgs, err := r.opts.Cache.Get(ctx, c.InputHash)
	var damaged *cache.DamagedError
	switch {
	case errors.As(err, &damaged):
		r.report.emit(Event{Type: EventWarning, Address: c.Address, Message: err.Error() + "; the image is made again, and the damaged copy replaced"})
		return nil, false, nil
	case errors.Is(err, cache.ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("the content cache cannot be read, so this image is not paid for again: %w", err)
	}
	if entry.Healed != "" {
		r.report.emit(Event{Type: EventWarning, Address: c.Address, Message: entry.Healed})
	}
	if len(imgs) < c.Request.Samples() || !r.cacheServes(c, entry, imgs) {
		return nil, false, nil
	}
	r.report.emit(Event{Type: EventCacheHit, Address: c.Address, Action: c.Action})
	return &obtained{images: imgs, source: FromCache, generator: state.GeneratorAPI,
		requestID: entry.RequestID, inferenceTime: entry.InferenceTime,
		endpoint: entry.Endpoint, placeholder: entry.Placeholder, costUSD: entry.CostUSD}, true, nil
}

// cacheServes reports whether a cached entry may give the change its
// images, by the rules the plan priced it with (plan.CacheServes),
// against the state as this run has it.
func (r *runner) cacheServes(c *plan.Change, entry *cache.Entry, imgs []model.Image) bool {
	info := cache.Info{Endpoint: entry.Endpoint, Placeholder: entry.Placeholder}
	for _, img := range imgs {
		info.Files = append(info.Files, img.Sum())
	}
	var serves bool
	r.ckpt.read(func(st *state.State) {
		serves, _ = plan.CacheServes(info, c, st.Images[c.Address], r.opts.Offline, r.endpoint())
	})
	return serves
}

// render makes placeholders offline (apply --offline, or the restore of
// an image made offline): they say so in the picture and their metadata.
func (r *runner) render(ctx context.Context, c *plan.Change) (*obtained, error) {
	if r.opts.Renderer == nil {
		return nil, &FatalError{Err: errors.New("this run renders placeholders, and no renderer is configured; this is a bug in imgform")}
	}
	res, err := r.opts.Renderer.Generate(ctx, *c.Request)
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

// join returns the flight of input hash h, and whether the caller leads
// it (and must land it).
func (r *runner) join(h state.Hash) (*flight, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.flights[h]; ok {
		return f, false
	}
	f := &flight{done: make(chan struct{})}
	r.flights[h] = f
	return f, true
}

// land ends a flight with its result. Changes that come later find the
// images in the cache.
func (r *runner) land(h state.Hash, f *flight, got *obtained, err error) {
	f.got, f.err = got, err
	r.mu.Lock()
	delete(r.flights, h)
	r.mu.Unlock()
	close(f.done)
}
