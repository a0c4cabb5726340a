package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/state"
	planview "github.com/imgform/imgform/internal/view"
)

type cachePruneOptions struct {
	dryRun     bool
	keptMaxAge time.Duration
	lock       lockOptions
}

func (o *cachePruneOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.dryRun, "dry-run", false, "list what would be removed, remove nothing")
	fs.DurationVar(&o.keptMaxAge, "kept-max-age", apply.DefaultKeptMaxAge, "also remove the copies apply kept in .imgform/kept/ of runs older than `DURATION` (0: keep them all)")
	o.lock.AddFlags(fs, false)
}

func cacheCommand() *command {
	var prune cachePruneOptions
	return &command{
		Name:  "cache",
		Short: "Manage the content cache",
		Long: `The content cache keeps every image the API made, by the input hash of
its request, so that reverting a change or restoring a deleted output costs
nothing. It lives in .imgform/cache (or IMGFORM_CACHE_DIR).`,
		Sub: []*command{{
			Name:  "prune",
			Short: "Remove cached images that no state refers to",
			Long: `Remove the cached images whose input hash no image in the state has.
Such entries are what reverting a change would restore for free: prune
them only when you no longer need that. A cache shared by several
checkouts (IMGFORM_CACHE_DIR) is judged by this checkout's state alone:
what only the others use is removed too; use --dry-run first.

It also removes the copies apply kept in .imgform/kept/ (files it wrote
over that were not as imgform wrote them) of runs older than
--kept-max-age, 30 days by default.`,
			Flags: prune.AddFlags,
			Run: func(ctx context.Context, e *env, args []string) error {
				return runCachePrune(ctx, e, prune)
			},
		}, cachePushCommand(), cachePullCommand()},
	}
}

func runCachePrune(ctx context.Context, e *env, o cachePruneOptions) error {
	w, err := openWorkspace(ctx, e, workspaceOptions{cache: true, operation: "cache prune", lock: o.lock})
	if err != nil {
		return err
	}
	defer w.close()
	if d := e.getenv("IMGFORM_CACHE_DIR"); d != "" {
		fmt.Fprintf(e.stderr, "Note: the cache is IMGFORM_CACHE_DIR=%s. If other checkouts share it, entries only their states use are removed too.\n", d)
	}
	kept, err := apply.PruneKept(".", o.keptMaxAge, time.Now(), o.dryRun)
	planview.WriteKeptPruned(e.stdout, kept, o.keptMaxAge, o.dryRun)
	if err != nil {
		return err
	}
	inUse, err := hashesInUse(ctx, w)
	if err != nil {
		return err
	}
	for i, store := range w.cache.Stores() {
		shared := i > 0
		if shared && w.settings.Backend == nil {
			fmt.Fprintf(e.stderr, "The shared cache %s is left as it is: with a local state, imgform cannot know what other checkouts use. Prune it from a checkout whose state is in the shared backend.\n", store)
			continue
		}
		if err := prune(ctx, e, w, store, inUse, o.dryRun); err != nil {
			return err
		}
	}
	return nil
}

// hashesInUse are the input hashes the backend's states record: every
// workspace's, when the backend keeps several (a shared one), else the
// state's own.
func hashesInUse(ctx context.Context, w *workspace) (map[state.Hash]bool, error) {
	states := []*state.State{w.st}
	if all, ok := w.backend.(interface {
		LoadAll(context.Context) ([]*state.State, error)
	}); ok {
		var err error
		if states, err = all.LoadAll(ctx); err != nil {
			return nil, err
		}
	}
	inUse := map[state.Hash]bool{}
	for _, st := range states {
		for _, entry := range st.Images {
			inUse[entry.InputHash] = true
		}
	}
	return inUse, nil
}

// prune removes from store the entries no state uses.
func prune(ctx context.Context, e *env, w *workspace, store cache.Store, inUse map[state.Hash]bool, dryRun bool) error {
	unused, total, err := cache.Unused(ctx, store, func(h state.Hash) bool { return inUse[h] })
	if err != nil {
		return err
	}
	for _, u := range unused {
		what := planview.CacheEntry(u.Hash, u.Entry)
		if dryRun {
			fmt.Fprintf(e.stdout, "would remove %s\n", what)
			continue
		}
		if err := store.Remove(ctx, u.Hash); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed %s\n", what)
	}
	where := ""
	if len(w.cache.Stores()) > 1 {
		where = store.String()
	}
	fmt.Fprintln(e.stdout, planview.PruneLine(len(unused), total, where, dryRun))
	return nil
}
