package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/imgform/imgform/internal/model"
)

// Copying entries between the local cache and the shared one: imgform
// cache push puts what this machine holds where the team can restore it
// (a cache adopted after images were made, a runner that had no shared
// cache), and cache pull brings the team's entries here ahead of need.

// Copied is what happened to one entry a copy was asked for.
type Copied struct {
	Hash  model.Hash
	Entry *Entry // the entry copied or found; nil when there is none
	// Outcome is CopyDone, CopyThere (the destination held it intact
	// already), CopyMissing (the source holds no complete entry) or
	// CopyDamaged (the source's entry is damaged: Err says how).
	Outcome CopyOutcome
	Err     error
}

// CopyOutcome says what a copy did with one entry.
type CopyOutcome int

const (
	CopyDone CopyOutcome = iota
	CopyThere
	CopyMissing
	CopyDamaged
)

// String names the outcome, for a log.
func (o CopyOutcome) String() string {
	switch o {
	case CopyDone:
		return "copied"
	case CopyThere:
		return "there already"
	case CopyMissing:
		return "missing"
	case CopyDamaged:
		return "damaged"
	}
	return fmt.Sprintf("CopyOutcome(%d)", int(o))
}

// CopySummary totals a copy.
type CopySummary struct {
	Done, There, Missing, Damaged int
	Bytes                         int64 // of the entries copied
}

// Add adds o's counts to s.
func (s *CopySummary) Add(o CopySummary) {
	s.Done += o.Done
	s.There += o.There
	s.Missing += o.Missing
	s.Damaged += o.Damaged
	s.Bytes += o.Bytes
}

// copyParallel bounds the entries copied at once.
const copyParallel = 8

// Push uploads to the shared cache the local entries of hs, each read
// and checked against its hashes first (a damaged one is not uploaded),
// create-only: an entry the shared cache holds already is left as it is
// (the store replaces only bytes that are not what their key says).
// progress is called once per entry, from several goroutines at once.
func (c *Cache) Push(ctx context.Context, hs []model.Hash, progress func(Copied)) (CopySummary, error) {
	if c.remote == nil {
		return CopySummary{}, errors.New("no shared cache is configured: add a cache \"s3\" block to the imgform block")
	}
	return c.copyEach(ctx, hs, progress, func(ctx context.Context, h model.Hash) (Copied, error) {
		got, err := c.pushOne(ctx, h)
		if err == nil && (got.Outcome == CopyDone || got.Outcome == CopyThere) && c.pending != nil {
			c.pending.Remove(h) // the shared cache holds it: not pending
		}
		return got, err
	})
}

// pushOne uploads h's local entry, unless the shared cache holds it.
func (c *Cache) pushOne(ctx context.Context, h model.Hash) (Copied, error) {
	there, err := c.remote.Has(ctx, []model.Hash{h})
	if err != nil {
		return Copied{}, err
	}
	if there[h] {
		if e, err := c.remote.Stat(ctx, h); err == nil {
			return Copied{Hash: h, Entry: e, Outcome: CopyThere}, nil
		}
		// Metadata that cannot be read is replaced below.
	}
	e, imgs, err := c.getLocal(ctx, h)
	if skip, err := notCopied(h, err); skip != nil || err != nil {
		return *skip, err
	}
	if err := c.remote.Put(ctx, e, dataOf(imgs)); err != nil {
		return Copied{}, fmt.Errorf("uploading %s: %w", h.Short(), err)
	}
	c.mu.Lock()
	c.remotes[h] = e
	delete(c.remoteDamage, h)
	c.mu.Unlock()
	return Copied{Hash: h, Entry: e, Outcome: CopyDone}, nil
}

// Pull downloads from the shared cache the entries of hs this machine
// does not hold intact, each checked against its hashes.
func (c *Cache) Pull(ctx context.Context, hs []model.Hash, progress func(Copied)) (CopySummary, error) {
	if c.remote == nil {
		return CopySummary{}, errors.New("no shared cache is configured: add a cache \"s3\" block to the imgform block")
	}
	return c.copyEach(ctx, hs, progress, func(ctx context.Context, h model.Hash) (Copied, error) {
		if e, _, err := c.getLocal(ctx, h); err == nil {
			return Copied{Hash: h, Entry: e, Outcome: CopyThere}, nil
		}
		e, imgs, err := c.checked(ctx, c.remote, h)
		if skip, err := notCopied(h, err); skip != nil || err != nil {
			return *skip, err
		}
		if err := c.putLocal(ctx, h, e, imgs); err != nil {
			return Copied{}, err
		}
		return Copied{Hash: h, Entry: e, Outcome: CopyDone}, nil
	})
}

// notCopied sorts out why h cannot be read from the source of a copy:
// an entry that is damaged or missing there is skipped (and said), any
// other error stops the copy. Both are nil when it was read.
func notCopied(h model.Hash, err error) (*Copied, error) {
	switch {
	case err == nil:
		return nil, nil
	case isDamaged(err):
		return &Copied{Hash: h, Outcome: CopyDamaged, Err: err}, nil
	case errors.Is(err, ErrNotFound):
		return &Copied{Hash: h, Outcome: CopyMissing}, nil
	}
	return &Copied{}, err
}

// copyEach runs one entry's copy for every hash, a few at once, and
// totals them. The first error stops the copy.
func (c *Cache) copyEach(ctx context.Context, hs []model.Hash, progress func(Copied), one func(context.Context, model.Hash) (Copied, error)) (CopySummary, error) {
	var mu sync.Mutex
	var sum CopySummary
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(copyParallel)
	for _, h := range hs {
		g.Go(func() error {
			got, err := one(gctx, h)
			if err != nil {
				return err
			}
			mu.Lock()
			switch got.Outcome {
			case CopyDone:
				sum.Done++
				sum.Bytes += got.Entry.Size()
			case CopyThere:
				sum.There++
			case CopyMissing:
				sum.Missing++
			case CopyDamaged:
				sum.Damaged++
			}
			mu.Unlock()
			if progress != nil {
				progress(got)
			}
			return nil
		})
	}
	err := g.Wait()
	return sum, err
}
