package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/cache"
	"github.com/imgform/imgform/state"
)

type cachePruneOptions struct {
	dryRun bool
	lock   lockOptions
}

func (o *cachePruneOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.dryRun, "dry-run", false, "list what would be removed, remove nothing")
	o.lock.AddFlags(fs, false)
}

func cacheCommand() *command {
	var prune cachePruneOptions
	return &command{
		name:  "cache",
		short: "Manage the content cache",
		long: `The content cache keeps every image the API made, by the input hash of
its request, so that reverting a change or restoring a deleted output costs
nothing. It lives in .imgform/cache (or IMGFORM_CACHE_DIR).`,
		sub: []*command{{
			name:  "prune",
			short: "Remove cached images that no state refers to",
			long: `Remove the cached images whose input hash no image in the state has.
Such entries are what reverting a change would restore for free: prune
them only when you no longer need that. A cache shared by several
checkouts (IMGFORM_CACHE_DIR) is judged by this checkout's state alone:
what only the others use is removed too; use --dry-run first.`,
			flags: prune.AddFlags,
			run: func(ctx context.Context, e *env, args []string) error {
				return runCachePrune(ctx, e, prune)
			},
		}},
	}
}

// describeCacheEntry names a cache entry for people: the image that asked
// for it, its size, and its input hash.
func describeCacheEntry(h state.Hash, e *cache.Entry) string {
	switch {
	case e == nil:
		return fmt.Sprintf("%s (an incomplete entry)", h.Short())
	case e.Address == "":
		return fmt.Sprintf("%s (%s, made before addresses were recorded)", h.Short(), humanSize(e.Size()))
	}
	return fmt.Sprintf("%s (%s, input hash %s)", e.Address, humanSize(e.Size()), h.Short())
}

// humanSize is a size in bytes for people: 1.2 MB.
func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func runCachePrune(ctx context.Context, e *env, o cachePruneOptions) error {
	w, err := openWorkspace(ctx, e, workspaceOptions{operation: "cache prune", lock: o.lock})
	if err != nil {
		return err
	}
	defer w.close()
	if d := e.getenv("IMGFORM_CACHE_DIR"); d != "" {
		fmt.Fprintf(e.stderr, "Note: the cache is IMGFORM_CACHE_DIR=%s. If other checkouts share it, entries only their states use are removed too.\n", d)
	}
	inUse := map[state.Hash]bool{}
	for _, entry := range w.st.Images {
		inUse[entry.InputHash] = true
	}
	unused, total, err := cache.Unused(ctx, w.cache.Store(), func(h state.Hash) bool { return inUse[h] })
	if err != nil {
		return err
	}
	for _, u := range unused {
		what := describeCacheEntry(u.Hash, u.Entry)
		if o.dryRun {
			fmt.Fprintf(e.stdout, "would remove %s\n", what)
			continue
		}
		if err := w.cache.Remove(ctx, u.Hash); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed %s\n", what)
	}
	removed := len(unused)
	verb := "Removed"
	if o.dryRun {
		verb = "Would remove"
	}
	fmt.Fprintf(e.stdout, "%s %d of %d cached %s; %d in use by the state.\n", verb, removed, total, pluralWord(total, "entry", "entries"), total-removed)
	return nil
}
