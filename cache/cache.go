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
)

// Cache is the content cache over a Store.
type Cache struct {
	store Store

	mu       sync.Mutex
	verified map[model.Hash]Info // entries whose bytes were checked in this process
}

// New returns the cache kept in store.
func New(store Store) *Cache {
	return &Cache{store: store, verified: map[model.Hash]Info{}}
}

// Store is where the cache is kept.
func (c *Cache) Store() Store { return c.store }

// String names the store.
func (c *Cache) String() string { return c.store.String() }

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
}

// Origin says where an image set came from, for Put.
type Origin struct {
	Address       string
	RequestID     string
	InferenceTime float64
	Endpoint      string
	Placeholder   bool
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
		e, imgs, err := c.Get(ctx, h)
		switch {
		case errors.Is(err, ErrNotFound) && !isDamaged(err):
			return Info{}, false
		case err != nil:
			return Info{Damage: err.Error()}, false
		}
		info = Info{Endpoint: e.Endpoint, Placeholder: e.Placeholder}
		for _, img := range imgs {
			info.Files = append(info.Files, model.SumBytes(img.Data))
		}
		c.mu.Lock()
		c.verified[h] = info
		c.mu.Unlock()
	}
	return info, len(info.Files) >= n
}

func isDamaged(err error) bool {
	var d *DamagedError
	return errors.As(err, &d)
}

// Has reports whether the cache holds a complete entry of at least n
// images of h, by its metadata alone.
func (c *Cache) Has(ctx context.Context, h model.Hash, n int) bool {
	e, err := c.store.Stat(ctx, h)
	return err == nil && len(e.Files) >= n
}

// Get returns the cached images of h, each checked against its recorded
// hash and as an image imgform can read. The entry says where the images
// came from; for an entry written before that was kept, an image carrying
// the placeholder chunk marks it an emulator's. An offline placeholder is
// never cached: an entry holding one is damaged.
func (c *Cache) Get(ctx context.Context, h model.Hash) (*Entry, []model.Image, error) {
	e, data, err := c.store.Get(ctx, h)
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
		imgs[i] = model.Image{Data: b, ContentType: e.Files[i].ContentType}
	}
	return e, imgs, nil
}

// Put stores the images of h, replacing an existing entry.
func (c *Cache) Put(ctx context.Context, h model.Hash, imgs []model.Image, from Origin) error {
	c.mu.Lock()
	delete(c.verified, h)
	c.mu.Unlock()
	e := &Entry{InputHash: h, RequestID: from.RequestID, InferenceTime: from.InferenceTime,
		Endpoint: from.Endpoint, Placeholder: from.Placeholder, Address: from.Address, Created: time.Now().UTC().Truncate(time.Second)}
	data := make([][]byte, len(imgs))
	for i, img := range imgs {
		e.Files = append(e.Files, File{Name: strconv.Itoa(i) + extensionFor(img.ContentType), SHA256: model.SumBytes(img.Data),
			Size: int64(len(img.Data)), ContentType: img.ContentType})
		data[i] = img.Data
	}
	return c.store.Put(ctx, e, data)
}

// Remove deletes the entry of h.
func (c *Cache) Remove(ctx context.Context, h model.Hash) error {
	c.mu.Lock()
	delete(c.verified, h)
	c.mu.Unlock()
	return c.store.Remove(ctx, h)
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
