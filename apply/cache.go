package apply

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/imgform/imgform/generate"
	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/plan"
	"github.com/imgform/imgform/state"
)

// Cache is the content cache: every image the API made, keyed by the
// input hash of its request, so that reverting a change or restoring a
// deleted output costs no API call. Entries are written atomically, the
// images first and the metadata last: an entry without metadata is
// incomplete and ignored.
type Cache struct {
	dir string

	mu       sync.Mutex
	verified map[state.Hash]plan.CacheInfo // entries whose bytes were checked in this process
}

// CacheEntry is the metadata of a cached image set.
type CacheEntry struct {
	InputHash     state.Hash  `json:"input_hash"`
	Files         []CacheFile `json:"files"`
	RequestID     string      `json:"request_id,omitempty"`
	InferenceTime float64     `json:"inference_time,omitempty"`
	Created       time.Time   `json:"created"`
	// Endpoint is the origin of the API that made the images, and
	// Placeholder marks an emulator's placeholders. Entries written
	// before these were kept have neither; for them Get and Lookup look
	// for the placeholder chunk in the images themselves.
	Endpoint    string `json:"endpoint,omitempty"`
	Placeholder bool   `json:"placeholder,omitempty"`
	// Address is the image that first asked for the request, for people
	// (cache prune lists it); other images may make the same request.
	Address string `json:"address,omitempty"`
}

// Size is the bytes the entry's images take.
func (e *CacheEntry) Size() int64 {
	var n int64
	for _, f := range e.Files {
		n += f.Size
	}
	return n
}

// Origin says where an image set came from, for Put.
type Origin struct {
	Address       string
	RequestID     string
	InferenceTime float64
	Endpoint      string
	Placeholder   bool
}

// CacheFile is one image of a cached set.
type CacheFile struct {
	Name        string     `json:"name"`
	SHA256      state.Hash `json:"sha256"`
	Size        int64      `json:"size"`
	ContentType string     `json:"content_type"`
}

const cacheMetaName = "meta.json"

// DefaultCacheDir is the cache's place under the configuration directory.
var DefaultCacheDir = filepath.Join(".imgform", "cache")

// NewCache returns the cache in dir; nothing is created until an image is
// put in it.
func NewCache(dir string) *Cache { return &Cache{dir: dir, verified: map[state.Hash]plan.CacheInfo{}} }

func (c *Cache) entryDir(h state.Hash) string {
	s := h.String()
	return filepath.Join(c.dir, s[:2], s)
}

// Has reports whether the cache holds all n images of the request with
// input hash h.
func (c *Cache) Has(h state.Hash, n int) bool {
	e, err := c.meta(h)
	return err == nil && len(e.Files) >= n
}

func (c *Cache) meta(h state.Hash) (*CacheEntry, error) {
	data, err := os.ReadFile(filepath.Join(c.entryDir(h), cacheMetaName))
	if err != nil {
		return nil, err
	}
	var e CacheEntry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("cache entry %s: %w", h.Short(), err)
	}
	if e.InputHash != h {
		return nil, fmt.Errorf("cache entry %s: its metadata names another hash", h.Short())
	}
	return &e, nil
}

// ErrNotCached is returned by Get for an image the cache does not hold.
var ErrNotCached = errors.New("not in the cache")

// Lookup reports what the cache holds of input hash h, for a plan: the
// entry's origin and the hash of each image, when it holds at least n
// images whose bytes are intact (they hash to what the entry recorded, and
// are images imgform can read). A damaged entry is not cached: its
// CacheInfo says why. The bytes are read once per process.
func (c *Cache) Lookup(h state.Hash, n int) (plan.CacheInfo, bool) {
	c.mu.Lock()
	info, seen := c.verified[h]
	c.mu.Unlock()
	if !seen {
		e, imgs, err := c.Get(h)
		switch {
		case err == ErrNotCached: // no entry at all
			return plan.CacheInfo{}, false
		case err != nil:
			return plan.CacheInfo{Damage: err.Error()}, false
		}
		info = plan.CacheInfo{Endpoint: e.Endpoint, Placeholder: e.Placeholder}
		for _, img := range imgs {
			info.Files = append(info.Files, state.SumBytes(img.Data))
		}
		c.mu.Lock()
		c.verified[h] = info
		c.mu.Unlock()
	}
	return info, len(info.Files) >= n
}

// Get returns the cached images of h, each checked against its recorded
// hash; a damaged entry is reported as not cached. The entry says where
// the images came from; for an entry written before that was kept, an
// image carrying the placeholder chunk marks it an emulator's.
func (c *Cache) Get(h state.Hash) (*CacheEntry, []generate.Image, error) {
	e, err := c.meta(h)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, ErrNotCached
	}
	if err != nil {
		return nil, nil, err
	}
	imgs := make([]generate.Image, len(e.Files))
	for i, f := range e.Files {
		data, err := os.ReadFile(filepath.Join(c.entryDir(h), f.Name))
		if err != nil || state.SumBytes(data) != f.SHA256 {
			return nil, nil, fmt.Errorf("cache entry %s is damaged (%s): %w", h.Short(), f.Name, ErrNotCached)
		}
		if _, err := imagecheck.Check(data); err != nil {
			return nil, nil, fmt.Errorf("cache entry %s is damaged: it holds an unusable image (%s: %v): %w", h.Short(), f.Name, err, ErrNotCached)
		}
		if maker, ok := placeholder.MakerOf(data); ok {
			if maker == placeholder.Offline {
				return nil, nil, fmt.Errorf("cache entry %s is damaged: it holds an offline placeholder (%s), which is never cached: %w", h.Short(), f.Name, ErrNotCached)
			}
			e.Placeholder = true
		}
		imgs[i] = generate.Image{Data: data, ContentType: f.ContentType}
	}
	return e, imgs, nil
}

// Put stores the images of h. An existing entry is replaced.
func (c *Cache) Put(h state.Hash, imgs []generate.Image, from Origin) error {
	if err := atomicfile.WriteGitignore(c.dir, "imgform's content cache"); err != nil {
		return fmt.Errorf("creating cache: %w", err)
	}
	c.mu.Lock()
	delete(c.verified, h)
	c.mu.Unlock()
	dir := c.entryDir(h)
	e := CacheEntry{InputHash: h, RequestID: from.RequestID, InferenceTime: from.InferenceTime,
		Endpoint: from.Endpoint, Placeholder: from.Placeholder, Address: from.Address, Created: time.Now().UTC().Truncate(time.Second)}
	for i, img := range imgs {
		name := strconv.Itoa(i) + extensionFor(img.ContentType)
		if err := atomicfile.WriteFile(filepath.Join(dir, name), img.Data, 0o644); err != nil {
			return fmt.Errorf("caching image: %w", err)
		}
		e.Files = append(e.Files, CacheFile{Name: name, SHA256: state.SumBytes(img.Data), Size: int64(len(img.Data)), ContentType: img.ContentType})
	}
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, cacheMetaName), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("caching image: %w", err)
	}
	return nil
}

// Describe returns what the entry of h says of itself, for a listing;
// nil when its metadata cannot be read (an incomplete entry).
func (c *Cache) Describe(h state.Hash) *CacheEntry {
	e, err := c.meta(h)
	if err != nil {
		return nil
	}
	return e
}

// Entries lists the hashes the cache holds entries for, incomplete ones
// (without metadata, left by a crash) included, so that pruning removes
// those too.
func (c *Cache) Entries() ([]state.Hash, error) {
	var out []state.Hash
	prefixes, err := os.ReadDir(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing cache: %w", err)
	}
	for _, p := range prefixes {
		if !p.IsDir() || len(p.Name()) != 2 {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(c.dir, p.Name()))
		if err != nil {
			return nil, fmt.Errorf("listing cache: %w", err)
		}
		for _, e := range entries {
			if h, err := state.ParseHash(e.Name()); err == nil {
				out = append(out, h)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// Remove deletes the entry of h.
func (c *Cache) Remove(h state.Hash) error {
	c.mu.Lock()
	delete(c.verified, h)
	c.mu.Unlock()
	dir := c.entryDir(h)
	// The metadata goes first, so that a half-removed entry is incomplete,
	// not damaged.
	if err := os.Remove(filepath.Join(dir, cacheMetaName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pruning cache: %w", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("pruning cache: %w", err)
	}
	os.Remove(filepath.Dir(dir)) // the prefix directory, when empty
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
