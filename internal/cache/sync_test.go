package cache_test

import (
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cache/dir"
	"github.com/imgform/imgform/internal/imagetest"
	"github.com/imgform/imgform/internal/model"
)

// Push uploads what this machine holds and the shared cache lacks, leaves
// what it holds, skips what is missing here or damaged; Pull brings the
// shared entries here. Each says what it did with every entry.
func TestPushPull(t *testing.T) {
	ctx := t.Context()
	sharedStore := dir.New(filepath.Join(t.TempDir(), "shared"))
	aLocal := dir.New(filepath.Join(t.TempDir(), "a"))
	a := cache.New(aLocal)
	imgs := testImages(t)
	made, there, damaged, missing := testHash("made here"), testHash("there already"), testHash("damaged here"), testHash("never made")
	for _, h := range []model.Hash{made, there, damaged} {
		if _, err := a.Put(ctx, h, imgs, cache.Origin{Address: "image." + h.Short()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cache.NewShared(dir.New(filepath.Join(t.TempDir(), "other")), sharedStore, nil).Put(ctx, there, imgs, cache.Origin{}); err != nil {
		t.Fatal(err)
	}
	imagetest.FlipByte(t, filepath.Join(aLocal.EntryDir(damaged), "1.jpg"))

	if _, err := a.Push(ctx, []model.Hash{made}, nil); err == nil {
		t.Error("Push without a shared cache succeeded")
	}
	shared := cache.NewShared(aLocal, sharedStore, nil)
	var mu sync.Mutex
	outcomes := map[model.Hash]cache.CopyOutcome{}
	record := func(c cache.Copied) {
		mu.Lock()
		outcomes[c.Hash] = c.Outcome
		mu.Unlock()
	}
	sum, err := shared.Push(ctx, []model.Hash{made, there, damaged, missing}, record)
	if err != nil {
		t.Fatal(err)
	}
	want := map[model.Hash]cache.CopyOutcome{made: cache.CopyDone, there: cache.CopyThere, damaged: cache.CopyDamaged, missing: cache.CopyMissing}
	if diff := cmp.Diff(want, outcomes); diff != "" {
		t.Errorf("push outcomes (-want +got):\n%s", diff)
	}
	size := int64(len(imgs[0].Data) + len(imgs[1].Data))
	if sum != (cache.CopySummary{Done: 1, There: 1, Damaged: 1, Missing: 1, Bytes: size}) {
		t.Errorf("push summary %+v", sum)
	}
	if _, _, err := sharedStore.Get(ctx, made); err != nil {
		t.Errorf("the pushed entry is not in the shared cache intact: %v", err)
	}
	if _, err := sharedStore.Stat(ctx, damaged); err == nil {
		t.Error("a damaged entry was pushed")
	}

	// Another machine pulls them.
	bLocal := dir.New(filepath.Join(t.TempDir(), "b"))
	b := cache.NewShared(bLocal, sharedStore, nil)
	outcomes = map[model.Hash]cache.CopyOutcome{}
	sum, err = b.Pull(ctx, []model.Hash{made, there, missing}, record)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 2 || sum.Missing != 1 || sum.There != 0 {
		t.Errorf("pull summary %+v", sum)
	}
	got, err := bLocal.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantList := []model.Hash{made, there}
	sort.Slice(wantList, func(i, j int) bool { return wantList[i].String() < wantList[j].String() })
	if diff := cmp.Diff(wantList, got); diff != "" {
		t.Errorf("pulled entries (-want +got):\n%s", diff)
	}
	if sum, err := b.Pull(ctx, []model.Hash{made}, nil); err != nil || sum.There != 1 {
		t.Errorf("pulling again: %+v, %v; want it there", sum, err)
	}
}
