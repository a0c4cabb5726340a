package cache_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cache/dir"
)

// An upload that fails leaves the image on the pending list, durably;
// the next cache that reaches the shared store uploads it first and
// takes it off; an upload that succeeds leaves nothing on the list.
func TestPendingUploads(t *testing.T) {
	ctx := t.Context()
	tmp := t.TempDir()
	local := dir.New(filepath.Join(tmp, "local"))
	pending := cache.NewPending(filepath.Join(tmp, "pending"))
	// A shared store that cannot be written: its folder is a file.
	blocked := filepath.Join(tmp, "blocked")
	if err := os.WriteFile(blocked, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	imgs := testImages(t)
	h := testHash("paid, not uploaded")
	_, err := cache.NewShared(local, dir.New(filepath.Join(blocked, "shared")), pending).Put(ctx, h, imgs, cache.Origin{Address: "image.a"})
	var pe *cache.UploadPendingError
	if !errors.As(err, &pe) || pe.Hash != h {
		t.Fatalf("Put to a shared cache that cannot be written: %v, want an *UploadPendingError", err)
	}
	if got, err := pending.List(); err != nil || len(got) != 1 || got[0] != h {
		t.Fatalf("pending after the failed upload: %v, %v; want %s", got, err, h.Short())
	}
	if _, _, err := local.Get(ctx, h); err != nil {
		t.Fatalf("the local cache does not hold the image whose upload failed: %v", err)
	}

	sharedStore := dir.New(filepath.Join(tmp, "shared"))
	c := cache.NewShared(local, sharedStore, pending)
	if got, err := c.PendingUploads(); err != nil || len(got) != 1 {
		t.Fatalf("PendingUploads = %v, %v", got, err)
	}
	sum, err := c.UploadPending(ctx, nil)
	if err != nil || sum.Done != 1 {
		t.Fatalf("UploadPending: %+v, %v; want 1 uploaded", sum, err)
	}
	if _, _, err := sharedStore.Get(ctx, h); err != nil {
		t.Errorf("the shared cache does not hold the pending image: %v", err)
	}
	if got, _ := pending.List(); len(got) != 0 {
		t.Errorf("still pending after the upload: %v", got)
	}

	// A plain Put that uploads leaves nothing pending.
	if _, err := c.Put(ctx, testHash("uploaded at once"), imgs, cache.Origin{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := pending.List(); len(got) != 0 {
		t.Errorf("pending after an upload that succeeded: %v", got)
	}
	// A pending image the local cache no longer holds cannot be uploaded:
	// it is taken off the list, and said.
	gone := testHash("pruned since")
	if err := pending.Add(gone); err != nil {
		t.Fatal(err)
	}
	var outcomes []cache.CopyOutcome
	if _, err := c.UploadPending(ctx, func(cp cache.Copied) { outcomes = append(outcomes, cp.Outcome) }); err != nil || len(outcomes) != 1 || outcomes[0] != cache.CopyMissing {
		t.Errorf("UploadPending of an image no longer here: %v, %v", outcomes, err)
	}
	if got, _ := pending.List(); len(got) != 0 {
		t.Errorf("still pending: %v", got)
	}
}

// A run that does not use the team cache (--cache=local) keeps what it
// puts on the pending list: the next run that reaches the team cache
// shares it.
func TestLocalRunKeepsUploadsPending(t *testing.T) {
	ctx := t.Context()
	tmp := t.TempDir()
	local := dir.New(filepath.Join(tmp, "local"))
	pending := cache.NewPending(filepath.Join(tmp, "pending"))
	h := testHash("made with --cache=local")
	if _, err := cache.NewLocalFor(local, pending).Put(ctx, h, testImages(t), cache.Origin{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := pending.List(); len(got) != 1 || got[0] != h {
		t.Fatalf("pending after a local run: %v", got)
	}
	shared := dir.New(filepath.Join(tmp, "shared"))
	if sum, err := cache.NewShared(local, shared, pending).UploadPending(ctx, nil); err != nil || sum.Done != 1 {
		t.Fatalf("UploadPending: %+v, %v", sum, err)
	}
	if _, _, err := shared.Get(ctx, h); err != nil {
		t.Errorf("the team cache does not hold it: %v", err)
	}
}
