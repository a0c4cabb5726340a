package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/provenance"
	"github.com/imgform/imgform/model"
	"golang.org/x/sync/errgroup"
)

// Cache is the content cache over a Store on this machine and, for a
// team, a shared one behind it: read from the local one first, filled
// from the shared one on download, and every image put in both.
type Cache struct {
	local  Store
	remote Store // nil: no shared cache

	mu       sync.Mutex
	verified map[model.Hash]Info   // entries whose bytes were checked in this process
	remotes  map[model.Hash]*Entry // what the shared cache said of an entry (nil: none)
}

// New returns the cache kept in local.
func New(local Store) *Cache {
	return &Cache{local: local, verified: map[model.Hash]Info{}, remotes: map[model.Hash]*Entry{}}
}

// NewShared returns the cache kept in local, with remote, shared by a
// team, behind it.
func NewShared(local, remote Store) *Cache {
	c := New(local)
	c.remote = remote
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
// images that Get would serve. A damaged entry is not cached: its Info
// says why. The bytes are read once per process.
func (c *Cache) Lookup(ctx context.Context, h model.Hash, n int) (Info, bool) {
	c.mu.Lock()
	info, seen := c.verified[h]
	c.mu.Unlock()
	if !seen {
		e, imgs, err := c.getLocal(ctx, h)
		switch {
		case errors.Is(err, ErrNotFound) && c.remote != nil:
			// The shared cache's entry is described by its metadata;
			// its images are checked when they are downloaded.
			re, rerr := c.remoteEntry(ctx, h)
			if rerr != nil || re == nil {
				return Info{}, false
			}
			info = Info{Endpoint: re.Endpoint, Placeholder: re.Placeholder, Remote: true}
			for _, f := range re.Files {
				info.Files = append(info.Files, f.SHA256)
			}
		case errors.Is(err, ErrNotFound) && !isDamaged(err):
			return Info{}, false
		case err != nil:
			return Info{Damage: err.Error()}, false
		default:
			info = Info{Endpoint: e.Endpoint, Placeholder: e.Placeholder}
			for _, img := range imgs {
				info.Files = append(info.Files, img.Sum())
			}
		}
		c.mu.Lock()
		c.verified[h] = info
		c.mu.Unlock()
	}
	return info, len(info.Files) >= n
}

// Prefetch asks the shared cache about every hash the local one does not
// hold, a bounded number at a time, so that the lookups of a plan that
// follow make no round trip each. Without a shared cache it does nothing.
func (c *Cache) Prefetch(ctx context.Context, hs []model.Hash) error {
	if c.remote == nil || len(hs) == 0 {
		return nil
	}
	local, err := c.local.Has(ctx, hs)
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
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i, h := range ask {
		if !has[h] {
			continue
		}
		g.Go(func() error {
			e, err := c.remote.Stat(gctx, h)
			if err != nil && !errors.Is(err, ErrNotFound) {
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
	}
	return nil
}

// remoteEntry is the shared cache's metadata of h, asked once.
func (c *Cache) remoteEntry(ctx context.Context, h model.Hash) (*Entry, error) {
	c.mu.Lock()
	e, known := c.remotes[h]
	c.mu.Unlock()
	if known {
		return e, nil
	}
	e, err := c.remote.Stat(ctx, h)
	switch {
	case errors.Is(err, ErrNotFound):
		e = nil
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
func (c *Cache) Get(ctx context.Context, h model.Hash) (*Entry, []model.Image, error) {
	e, imgs, err := c.getLocal(ctx, h)
	if !errors.Is(err, ErrNotFound) || c.remote == nil {
		return e, imgs, err
	}
	e, imgs, rerr := c.checked(ctx, c.remote, h)
	if rerr != nil {
		if errors.Is(rerr, ErrNotFound) && !isDamaged(rerr) {
			return nil, nil, err // the local cache's word: not found, or damaged
		}
		return nil, nil, rerr
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

// Put stores the images of h, replacing an existing entry.
func (c *Cache) Put(ctx context.Context, h model.Hash, imgs []model.Image, from Origin) error {
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
		return err
	}
	if c.remote != nil {
		if err := c.remote.Put(ctx, e, dataOf(imgs)); err != nil {
			return err
		}
		c.mu.Lock()
		c.remotes[h] = e
		c.mu.Unlock()
	}
	return nil
}

func (c *Cache) putLocal(ctx context.Context, h model.Hash, e *Entry, imgs []model.Image) error {
	c.mu.Lock()
	delete(c.verified, h)
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
