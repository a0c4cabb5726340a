package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/model"
)

// Pending is the durable list of the images this checkout keeps that the
// shared cache may not hold yet: an entry is added before an upload
// starts and removed once it is done, so that an upload that stalled,
// failed, or was killed is made by a later command (UploadPending) before
// a teammate pays for the image again. Each entry is an empty file named
// by its input hash, so that processes may add and remove at once.
type Pending struct{ dir string }

// NewPending returns the list kept in dir (made when first needed).
func NewPending(dir string) *Pending { return &Pending{dir: dir} }

// Add records h, durably (the file and its folder synced) before
// returning.
func (p *Pending) Add(h model.Hash) error {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return fmt.Errorf("recording an upload to the team cache: %w", err)
	}
	if err := atomicfile.WriteGitignore(p.dir, "imgform's uploads pending for the team cache"); err != nil {
		return fmt.Errorf("recording an upload to the team cache: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(p.dir, h.String()), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("recording an upload to the team cache: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = atomicfile.SyncDir(p.dir)
	}
	if err != nil {
		return fmt.Errorf("recording an upload to the team cache: %w", err)
	}
	return nil
}

// Remove forgets h: its upload is done. One that cannot be removed costs
// an upload found done next time, no more.
func (p *Pending) Remove(h model.Hash) {
	_ = os.Remove(filepath.Join(p.dir, h.String()))
}

// List returns the hashes recorded, sorted. Names that are no hash (a
// temporary file of an editor, say) are not the list's.
func (p *Pending) List() ([]model.Hash, error) {
	entries, err := os.ReadDir(p.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the uploads pending for the team cache: %w", err)
	}
	var hs []model.Hash
	for _, e := range entries {
		if h, err := model.ParseHash(e.Name()); err == nil && e.Type().IsRegular() {
			hs = append(hs, h)
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].String() < hs[j].String() })
	return hs, nil
}

// PendingUploads returns the images this checkout keeps that the shared
// cache may not hold yet; none without a shared cache.
func (c *Cache) PendingUploads() ([]model.Hash, error) {
	if c.remote == nil || c.pending == nil {
		return nil, nil
	}
	return c.pending.List()
}

// UploadPending puts in the shared cache every image of the pending list
// (see Pending), as Push does, and takes each off the list once the
// shared cache holds it, or once the local cache no longer holds it
// intact (it can never be uploaded: Copied says so). An upload that fails
// stays on the list for the next command; the error says why.
func (c *Cache) UploadPending(ctx context.Context, progress func(Copied)) (CopySummary, error) {
	hs, err := c.PendingUploads()
	if err != nil || len(hs) == 0 {
		return CopySummary{}, err
	}
	return c.Push(ctx, hs, func(cp Copied) {
		c.pending.Remove(cp.Hash)
		if progress != nil {
			progress(cp)
		}
	})
}
