package state

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/atomicfile"
)

// StatCache remembers, for one checkout, at which size and modification
// time each output was last found to hold the content the state records.
//
// A fresh clone gives every file a new modification time. Recording those
// times in the committed state would rewrite every output's line on the
// next apply (a diff the size of the project in every CI run); not
// recording them would hash every output on every plan. So the state keeps
// the time the image was written, and this cache, kept in .imgform/ and
// never committed, keeps the checkout's own: a plan that finds an output
// with a new mtime hashes it once, records it here, and trusts size and
// mtime from then on.
type StatCache struct {
	path string

	mu      sync.Mutex
	entries map[string]StatEntry
	dirty   bool
}

// StatEntry is what was seen of one output.
type StatEntry struct {
	SHA256  Hash      `json:"sha256"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
}

type statCacheFile struct {
	Version int                  `json:"version"`
	Outputs map[string]StatEntry `json:"outputs"`
}

const statCacheVersion = 1

// LoadStatCache reads the cache at path. A missing or unreadable cache is
// an empty one: it only ever saves work.
func LoadStatCache(path string) *StatCache {
	c := &StatCache{path: path, entries: map[string]StatEntry{}}
	data, err := os.ReadFile(path)
	if err != nil {
		return c
	}
	var f statCacheFile
	if json.Unmarshal(data, &f) == nil && f.Version == statCacheVersion && f.Outputs != nil {
		c.entries = f.Outputs
	}
	return c
}

// Matches reports whether the output at path was seen with this size and
// modification time holding the content sum.
func (c *StatCache) Matches(path string, sum Hash, size int64, mtime time.Time) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[path]
	return ok && e.SHA256 == sum && e.Size == size && e.ModTime.Equal(mtime)
}

// Record remembers that the output at path, with this size and mtime,
// holds the content sum.
func (c *StatCache) Record(path string, sum Hash, size int64, mtime time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[path] = StatEntry{SHA256: sum, Size: size, ModTime: mtime.UTC()}
	c.dirty = true
}

// Save writes the cache when it changed, with a .gitignore beside it.
func (c *StatCache) Save() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	data, err := json.Marshal(statCacheFile{Version: statCacheVersion, Outputs: c.entries})
	if err != nil {
		return err
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := atomicfile.WriteGitignore(dir, "imgform's stat cache of this checkout"); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(c.path, data, 0o644); err != nil {
		return err
	}
	c.dirty = false
	return nil
}
