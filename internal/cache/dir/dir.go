package dir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
)

// MetaName is the name of an entry's metadata file.
const MetaName = "meta.json"

// Store is a cache in a directory; nothing is created until an entry is
// put in it.
type Store struct {
	dir string
}

// New returns the store in dir.
func New(dir string) *Store { return &Store{dir: dir} }

// String is the directory.
func (s *Store) String() string { return s.dir }

// EntryDir is the directory of h's entry.
func (s *Store) EntryDir(h model.Hash) string {
	hex := h.String()
	return filepath.Join(s.dir, hex[:2], hex)
}

// Has reads the metadata of each entry.
func (s *Store) Has(_ context.Context, hs []model.Hash) (map[model.Hash]bool, error) {
	out := make(map[model.Hash]bool, len(hs))
	for _, h := range hs {
		_, err := s.meta(h)
		out[h] = err == nil
	}
	return out, nil
}

// Stat returns h's metadata.
func (s *Store) Stat(_ context.Context, h model.Hash) (*cache.Entry, error) {
	return s.meta(h)
}

func (s *Store) meta(h model.Hash) (*cache.Entry, error) {
	data, err := os.ReadFile(filepath.Join(s.EntryDir(h), MetaName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cache.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading cache entry %s: %w", h.Short(), err)
	}
	var e cache.Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, cache.Unreadable(h, fmt.Sprintf("its %s cannot be read (%v)", MetaName, err))
	}
	if e.InputHash != h {
		return nil, cache.Unreadable(h, fmt.Sprintf("its %s names another hash", MetaName))
	}
	return &e, nil
}

// Get reads h's files and checks each against its recorded hash.
func (s *Store) Get(_ context.Context, h model.Hash) (*cache.Entry, [][]byte, error) {
	e, err := s.meta(h)
	if err != nil {
		return nil, nil, err
	}
	data := make([][]byte, len(e.Files))
	for i, f := range e.Files {
		if !safeName(f.Name) {
			return nil, nil, cache.Unreadable(h, fmt.Sprintf("its %s names a file %q outside the entry", MetaName, f.Name))
		}
		b, err := os.ReadFile(filepath.Join(s.EntryDir(h), f.Name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil, cache.Damaged(h, f.Name+" is missing")
		case err != nil:
			return nil, nil, fmt.Errorf("reading cache entry %s: %w", h.Short(), err)
		case model.SumBytes(b) != f.SHA256:
			return nil, nil, cache.Damaged(h, f.Name+" does not match its hash")
		}
		data[i] = b
	}
	return e, data, nil
}

// safeName reports a file name that stays inside the entry's directory.
func safeName(name string) bool {
	return name != "" && name != "." && name != ".." && filepath.Base(name) == name && !filepath.IsAbs(name)
}

// Put writes the files, then the metadata.
func (s *Store) Put(_ context.Context, e *cache.Entry, data [][]byte) error {
	if len(data) != len(e.Files) {
		return fmt.Errorf("caching images: %d files described, %d given", len(e.Files), len(data))
	}
	if err := atomicfile.WriteGitignore(s.dir, "imgform's content cache"); err != nil {
		return fmt.Errorf("creating cache: %w", err)
	}
	dir := s.EntryDir(e.InputHash)
	for i, f := range e.Files {
		if !safeName(f.Name) {
			return fmt.Errorf("caching images: %q is not a file name", f.Name)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, f.Name), data[i], 0o644); err != nil {
			return fmt.Errorf("caching image: %w", err)
		}
	}
	meta, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, MetaName), append(meta, '\n'), 0o644); err != nil {
		return fmt.Errorf("caching image: %w", err)
	}
	return nil
}

// List walks the two levels of directories.
func (s *Store) List(_ context.Context) ([]model.Hash, error) {
	var out []model.Hash
	prefixes, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing cache: %w", err)
	}
	for _, p := range prefixes {
		if len(p.Name()) != 2 || !isDir(filepath.Join(s.dir, p.Name()), p) {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.dir, p.Name()))
		if err != nil {
			return nil, fmt.Errorf("listing cache: %w", err)
		}
		for _, e := range entries {
			if h, err := model.ParseHash(e.Name()); err == nil {
				out = append(out, h)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// isDir reports a directory entry that is a folder, or a symbolic link to
// one (Get follows links, so List must too).
func isDir(path string, d fs.DirEntry) bool {
	if d.IsDir() {
		return true
	}
	if d.Type()&fs.ModeSymlink == 0 {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// Remove deletes the metadata first, so that a half-removed entry is
// incomplete, not damaged.
func (s *Store) Remove(_ context.Context, h model.Hash) error {
	dir := s.EntryDir(h)
	if err := os.Remove(filepath.Join(dir, MetaName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing cache entry %s: %w", h.Short(), err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing cache entry %s: %w", h.Short(), err)
	}
	os.Remove(filepath.Dir(dir)) // the prefix directory, when empty
	return nil
}
