package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/provenance"
	"golang.org/x/sync/errgroup"
)

// Cache is the content cache over a Store on this machine and, for a
// team, a shared one behind it: read from the local one first, filled
// from the shared one on download, and every image put in both.
type Cache struct {
	local  Store
	remote Store // nil: no shared cache
	// pending lists the images put here whose upload to remote may not
	// have happened; nil keeps no list.
	pending *Pending

	mu           sync.Mutex
	verified     map[model.Hash]Info   // entries whose bytes were checked in this process
	remotes      map[model.Hash]*Entry // what the shared cache said of an entry (nil: none)
	remoteDamage map[model.Hash]error  // shared entries found damaged in this process
	// localListed says a plan listed the local store, and localHeld holds
	// what the listing (and this process's puts since) found: Lookup does
	// not open the entry of a hash the store did not hold. Get, which
	// apply fetches with, still looks: another run may have put one
	// since.
	localListed bool
	localHeld   map[model.Hash]bool
}

// New returns the cache kept in local.
func New(local Store) *Cache {
	return &Cache{local: local, verified: map[model.Hash]Info{}, remotes: map[model.Hash]*Entry{}, remoteDamage: map[model.Hash]error{}}
}

// NewShared returns the cache kept in local, with remote, shared by a
// team, behind it. Every upload to remote is on pending (when not nil)
// until it is done.
func NewShared(local, remote Store, pending *Pending) *Cache {
	c := New(local)
	c.remote, c.pending = remote, pending
	return c
}

// NewLocalFor returns the cache kept in local for a team whose shared
// cache this run does not use (--cache=local): every image put here is
// on pending, for the next run that reaches the shared cache to upload.
func NewLocalFor(local Store, pending *Pending) *Cache {
	c := New(local)
	c.pending = pending
	return c
}

// Stores are where the cache is kept: the local store, then the shared
// one when there is one.
func (c *Cache) Stores() []Store {
	if c.remote == nil {
		return []Store{c.local}
	}
	return []Store{c.local, c.remote}
}

// String names the stores.
func (c *Cache) String() string {
	if c.remote == nil {
		return c.local.String()
	}
	return c.local.String() + " and " + c.remote.String()
}

// Info is what the cache holds of one request, for a plan.
type Info struct {
	// Endpoint and Placeholder say where the images came from (see
	// Entry); Files holds the SHA-256 of each image.
	Endpoint    string
	Placeholder bool
	Files       []model.Hash
	// Damage says why an entry the cache holds cannot be used; "" when
	// it can.
	Damage string
	// Remote marks an entry only the shared cache holds: its images are
	// checked when apply downloads them.
	Remote bool
}

// Origin says where an image set came from, for Put.
type Origin struct {
	Address       string
	RequestID     string
	InferenceTime float64
	Endpoint      string
	Placeholder   bool
	CostUSD       float64
}

// Lookup reports what the cache holds of input hash h, for a plan: the
// entry's origin and the hash of each image, when it holds at least n
// images that Get would serve. A damaged entry is damage to that entry
// only: its Info says why, and a shared cache's copy stands in for a
// damaged local one. The bytes are read once per process.
func (c *Cache) Lookup(ctx context.Context, h model.Hash, n int) (Info, bool) {
	c.mu.Lock()
	info, seen := c.verified[h]
	c.mu.Unlock()
	if !seen {
		var ok bool
		if info, ok = c.lookup(ctx, h); !ok {
			return Info{}, false
		}
		c.mu.Lock()
		c.verified[h] = info
		c.mu.Unlock()
	}
	return info, info.Damage == "" && len(info.Files) >= n
}

// lookup finds what the cache holds of h; false when it holds nothing
// (or the shared cache cannot tell now).
func (c *Cache) lookup(ctx context.Context, h model.Hash) (Info, bool) {
	var e *Entry
	var imgs []model.Image
	c.mu.Lock()
	absent := c.localListed && !c.localHeld[h]
	c.mu.Unlock()
	err := ErrNotFound
	if !absent {
		e, imgs, err = c.getLocal(ctx, h)
	}
	switch {
	case err == nil:
		info := Info{Endpoint: e.Endpoint, Placeholder: e.Placeholder}
		for _, img := range imgs {
			info.Files = append(info.Files, img.Sum())
		}
		return info, true
	case c.remote != nil && (errors.Is(err, ErrNotFound) || isDamaged(err)):
		// The shared cache's entry is described by its metadata; its
		// images are checked when they are downloaded.
		re, rerr := c.remoteEntry(ctx, h)
		switch {
		case rerr == nil && re != nil:
			info := Info{Endpoint: re.Endpoint, Placeholder: re.Placeholder, Remote: true}
			for _, f := range re.Files {
				info.Files = append(info.Files, f.SHA256)
			}
			return info, true
		case rerr != nil && isDamaged(rerr):
			return Info{Damage: rerr.Error()}, true
		case isDamaged(err):
			return Info{Damage: err.Error()}, true
		}
		return Info{}, false
	case errors.Is(err, ErrNotFound) && !isDamaged(err):
		return Info{}, false
	}
	return Info{Damage: err.Error()}, true
}

// listLocalFrom is the number of hashes from which Prefetch lists the
// local store once rather than let each lookup open an entry: a plan of a
// new catalog asks about 100,000 hashes the cache does not hold.
const listLocalFrom = 256

// Prefetch readies the lookups of a plan. It lists the local store once
// when the plan asks about many hashes, so that a hash it does not hold
// costs no file opened, and asks the shared cache about every hash the
// local one does not hold, a bounded number at a time, so that the
// lookups that follow make no round trip each. An entry whose metadata is
// damaged is that entry's damage, noted for Lookup; only a shared cache
// that cannot be asked fails.
func (c *Cache) Prefetch(ctx context.Context, hs []model.Hash) error {
	if len(hs) >= listLocalFrom {
		c.listLocal(ctx)
	}
	if c.remote == nil || len(hs) == 0 {
		return nil
	}
	c.mu.Lock()
	var held []model.Hash
	for _, h := range hs {
		if !c.localListed || c.localHeld[h] {
			held = append(held, h)
		}
	}
	c.mu.Unlock()
	local, err := c.local.Has(ctx, held)
	if err != nil {
		return err
	}
	c.mu.Lock()
	var ask []model.Hash
	for _, h := range hs {
		if _, known := c.remotes[h]; !known && !local[h] {
			ask = append(ask, h)
		}
	}
	c.mu.Unlock()
	has, err := c.remote.Has(ctx, ask)
	if err != nil {
		return err
	}
	entries := make([]*Entry, len(ask))
	damage := make([]error, len(ask))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, h := range ask {
		if !has[h] {
			continue
		}
		g.Go(func() error {
			e, err := c.remote.Stat(gctx, h)
			switch {
			case isDamaged(err):
				damage[i] = err
			case err != nil && !errors.Is(err, ErrNotFound):
				return err
			}
			entries[i] = e
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, h := range ask {
		c.remotes[h] = entries[i]
		if damage[i] != nil {
			c.remoteDamage[h] = damage[i]
		}
	}
	return nil
}

// listLocal records what the local store holds. A store that cannot be
// listed is left to the lookups.
func (c *Cache) listLocal(ctx context.Context) {
	listed, err := c.local.List(ctx)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.localListed = true
	c.localHeld = make(map[model.Hash]bool, len(listed))
	for _, h := range listed {
		c.localHeld[h] = true
	}
}

// remoteEntry is the shared cache's metadata of h, asked once: nil when
// it has none, a *DamagedError when its metadata is damaged.
func (c *Cache) remoteEntry(ctx context.Context, h model.Hash) (*Entry, error) {
	c.mu.Lock()
	e, known := c.remotes[h]
	damage := c.remoteDamage[h]
	c.mu.Unlock()
	if damage != nil {
		return nil, damage
	}
	if known {
		return e, nil
	}
	e, err := c.remote.Stat(ctx, h)
	switch {
	case errors.Is(err, ErrNotFound) && !isDamaged(err):
		e = nil
	case isDamaged(err):
		c.mu.Lock()
		c.remoteDamage[h] = err
		c.mu.Unlock()
		return nil, err
	case err != nil:
		return nil, err
	}
	c.mu.Lock()
	c.remotes[h] = e
	c.mu.Unlock()
	return e, nil
}

func isDamaged(err error) bool {
	var d *DamagedError
	return errors.As(err, &d)
}

// Stat returns the metadata of h's entry, from the local cache or else
// the shared one, unchecked; ErrNotFound when neither holds one.
func (c *Cache) Stat(ctx context.Context, h model.Hash) (*Entry, error) {
	var err error
	for _, s := range c.Stores() {
		var e *Entry
		if e, err = s.Stat(ctx, h); err == nil {
			return e, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return nil, err
}

// Has reports whether the cache holds a complete entry of at least n
// images of h, by its metadata alone.
func (c *Cache) Has(ctx context.Context, h model.Hash, n int) bool {
	for _, s := range c.Stores() {
		if e, err := s.Stat(ctx, h); err == nil && len(e.Files) >= n {
			return true
		}
	}
	return false
}

// Get returns the cached images of h, each checked against its recorded
// hash and as an image imgform can read. The entry says where the images
// came from; for an entry written before that was kept, an image carrying
// the placeholder chunk marks it an emulator's. An offline placeholder is
// never cached: an entry holding one is damaged.
//
// A damaged local entry is healed from the shared cache when it holds the
// images intact (the entry's Healed says so); a damaged shared entry is
// a *DamagedError like a local one (not found: the image is made again,
// and Put replaces the damaged copy). An error that is neither (the
// shared cache cannot be reached) means the cache cannot tell.
func (c *Cache) Get(ctx context.Context, h model.Hash) (*Entry, []model.Image, error) {
	e, imgs, err := c.getLocal(ctx, h)
	if err == nil || c.remote == nil || (!errors.Is(err, ErrNotFound) && !isDamaged(err)) {
		return e, imgs, err
	}
	localErr := err
	e, imgs, rerr := c.checked(ctx, c.remote, h)
	switch {
	case isDamaged(rerr):
		c.mu.Lock()
		c.remoteDamage[h] = rerr
		c.mu.Unlock()
		return nil, nil, rerr
	case errors.Is(rerr, ErrNotFound):
		return nil, nil, localErr // the local cache's word: not found, or damaged
	case rerr != nil:
		return nil, nil, rerr
	}
	if isDamaged(localErr) {
		e.Healed = fmt.Sprintf("the local copy was damaged (%v); the team cache's copy replaces it", localErr)
	}
	// Downloaded: kept here too, so the next run reads it locally. A
	// local cache that cannot be written costs a download next time, no
	// more.
	_ = c.putLocal(ctx, h, e, imgs)
	return e, imgs, nil
}

func (c *Cache) getLocal(ctx context.Context, h model.Hash) (*Entry, []model.Image, error) {
	return c.checked(ctx, c.local, h)
}

// checked gets h's entry from s, with its images checked.
func (c *Cache) checked(ctx context.Context, s Store, h model.Hash) (*Entry, []model.Image, error) {
	e, data, err := s.Get(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	imgs := make([]model.Image, len(data))
	for i, b := range data {
		name := e.Files[i].Name
		if _, err := imagecheck.Check(b); err != nil {
			return nil, nil, Damaged(h, fmt.Sprintf("it holds an unusable image (%s: %v)", name, err))
		}
		if maker, ok := provenance.PlaceholderMaker(b); ok {
			if maker == provenance.MadeOffline {
				return nil, nil, Damaged(h, fmt.Sprintf("it holds an offline placeholder (%s), which is never cached", name))
			}
			e.Placeholder = true
		}
		imgs[i] = model.Image{Data: b, ContentType: e.Files[i].ContentType, SHA256: e.Files[i].SHA256} // s checked it
	}
	return e, imgs, nil
}

// Put stores the images of h, replacing an existing entry (a damaged one
// included: the shared store replaces an object whose bytes are not what
// its key says, whatever its metadata claims). repaired reports that the
// shared cache's entry of h was found damaged in this process, and is
// replaced now.
func (c *Cache) Put(ctx context.Context, h model.Hash, imgs []model.Image, from Origin) (repaired bool, err error) {
	c.mu.Lock()
	delete(c.verified, h)
	c.mu.Unlock()
	e := &Entry{InputHash: h, RequestID: from.RequestID, InferenceTime: from.InferenceTime,
		Endpoint: from.Endpoint, Placeholder: from.Placeholder, Address: from.Address, CostUSD: from.CostUSD, Created: time.Now().UTC().Truncate(time.Second)}
	for i, img := range imgs {
		e.Files = append(e.Files, File{Name: strconv.Itoa(i) + extensionFor(img.ContentType), SHA256: img.Sum(),
			Size: int64(len(img.Data)), ContentType: img.ContentType})
	}
	if err := c.putLocal(ctx, h, e, imgs); err != nil {
		return false, err
	}
	if c.remote == nil && c.pending != nil {
		// Not shared now: kept for the run that reaches the shared cache.
		return false, c.pending.Add(h)
	}
	if c.remote != nil {
		if c.pending != nil {
			if err := c.pending.Add(h); err != nil {
				return false, err
			}
		}
		if err := c.remote.Put(ctx, e, dataOf(imgs)); err != nil {
			if c.pending != nil {
				return false, &UploadPendingError{Hash: h, Err: err}
			}
			return false, err
		}
		if c.pending != nil {
			c.pending.Remove(h)
		}
		c.mu.Lock()
		c.remotes[h] = e
		repaired = c.remoteDamage[h] != nil
		delete(c.remoteDamage, h)
		c.mu.Unlock()
	}
	return repaired, nil
}

// UploadPendingError is an image kept in the local cache whose upload
// to the shared cache failed: it is on the pending list, and a later
// command uploads it.
type UploadPendingError struct {
	Hash model.Hash
	Err  error
}

func (e *UploadPendingError) Error() string {
	return fmt.Sprintf("uploading %s to the team cache: %v (it is kept here, and the next command that reaches the team cache uploads it)", e.Hash.Short(), e.Err)
}

func (e *UploadPendingError) Unwrap() error { return e.Err }

func (c *Cache) putLocal(ctx context.Context, h model.Hash, e *Entry, imgs []model.Image) error {
	c.mu.Lock()
	delete(c.verified, h)
	if c.localListed {
		c.localHeld[h] = true
	}
	c.mu.Unlock()
	return c.local.Put(ctx, e, dataOf(imgs))
}

func dataOf(imgs []model.Image) [][]byte {
	data := make([][]byte, len(imgs))
	for i, img := range imgs {
		data[i] = img.Data
	}
	return data
}

// Remove deletes the entry of h.
func (c *Cache) Remove(ctx context.Context, h model.Hash) error {
	c.mu.Lock()
	delete(c.verified, h)
	delete(c.remotes, h)
	delete(c.remoteDamage, h)
	c.mu.Unlock()
	for _, s := range c.Stores() {
		if err := s.Remove(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

func extensionFor(contentType string) string {
	switch contentType {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/webp":
		return ".webp"
	}
	return ".img"
}
