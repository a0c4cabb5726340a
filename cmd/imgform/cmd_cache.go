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
	"github.com/imgform/imgform/internal/workspace"
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
	w, err := workspace.Open(ctx, e.wiring(), workspace.Need{Cache: true, Operation: "cache prune", LockTimeout: o.lock.timeout})
	if err != nil {
		return err
	}
	defer w.Close()
	if d := e.getenv("IMGFORM_CACHE_DIR"); d != "" {
		fmt.Fprintf(e.stderr, "Note: the cache is IMGFORM_CACHE_DIR=%s. If other checkouts share it, entries only their states use are removed too.\n", d)
	}
	kept, err := apply.PruneKept(".", o.keptMaxAge, time.Now(), o.dryRun)
	planview.WriteKeptPruned(e.stdout, kept, o.keptMaxAge, o.dryRun)
	if err != nil {
		return err
	}
	inUse, err := state.HashesInUse(ctx, w.Backend, w.State)
	if err != nil {
		return err
	}
	verb := "removed"
	if o.dryRun {
		verb = "would remove"
	}
	for i, store := range w.Cache.Stores() {
		where := ""
		if len(w.Cache.Stores()) > 1 {
			where = store.String()
		}
		if i > 0 && w.Settings.Backend == nil {
			fmt.Fprintf(e.stderr, "The shared cache %s is left as it is: with a local state, imgform cannot know what other checkouts use. Prune it from a checkout whose state is in the shared backend.\n", store)
			continue
		}
		removed, total, err := cache.Prune(ctx, store, func(h state.Hash) bool { return inUse[h] }, o.dryRun, func(u cache.Unneeded) {
			fmt.Fprintf(e.stdout, "%s %s\n", verb, planview.CacheEntry(u.Hash, u.Entry))
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, planview.PruneLine(removed, total, where, o.dryRun))
	}
	return nil
}
