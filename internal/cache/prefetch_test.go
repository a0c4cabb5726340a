package cache_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cache/dir"
	"github.com/imgform/imgform/internal/model"
)

// gets counts the entries read from a real store.
type gets struct {
	cache.Store
	n atomic.Int64
}

func (g *gets) Get(ctx context.Context, h model.Hash) (*cache.Entry, [][]byte, error) {
	g.n.Add(1)
	return g.Store.Get(ctx, h)
}

// A plan of many new images lists the local cache once instead of opening
// an entry per hash; what it holds is still found, what this run puts
// is found after, and apply's Get still finds an entry another run put
// after the plan looked (so that it never pays for it again).
func TestPrefetchListsTheLocalCacheOnce(t *testing.T) {
	ctx := t.Context()
	root := filepath.Join(t.TempDir(), "cache")
	store := &gets{Store: dir.New(root)}
	c := cache.New(store)
	held := testHash("held")
	if _, err := c.Put(ctx, held, testImages(t)[:1], cache.Origin{}); err != nil {
		t.Fatal(err)
	}
	hs := []model.Hash{held}
	for i := range 1000 {
		hs = append(hs, testHash(fmt.Sprint("new ", i)))
	}
	if err := c.Prefetch(ctx, hs); err != nil {
		t.Fatal(err)
	}
	store.n.Store(0)
	if _, ok := c.Lookup(ctx, held, 1); !ok {
		t.Error("Lookup does not find the entry the cache holds")
	}
	for _, h := range hs[1:] {
		if _, ok := c.Lookup(ctx, h, 1); ok {
			t.Fatalf("Lookup finds %s, which was never put", h.Short())
		}
	}
	if got := store.n.Load(); got != 1 {
		t.Errorf("%d lookups read %d entries, want 1 (the one held)", len(hs), got)
	}

	// Another run puts an entry after the plan looked: apply's Get finds it.
	other := cache.New(dir.New(root))
	late := hs[1]
	if _, err := other.Put(ctx, late, testImages(t)[:1], cache.Origin{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get(ctx, late); err != nil {
		t.Errorf("Get of an entry another run put after the plan: %v", err)
	}
	// This run puts one: Lookup finds it.
	mine := hs[2]
	if _, err := c.Put(ctx, mine, testImages(t)[:1], cache.Origin{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(ctx, mine, 1); !ok {
		t.Error("Lookup does not find what this run put after the plan")
	}
	if _, _, err := c.Get(ctx, hs[3]); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Get of a hash never put: %v, want ErrNotFound", err)
	}
}
