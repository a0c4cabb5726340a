package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cache"
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
		Long:  planview.CommandHelp("cache"),
		Sub: []*command{{
			Name:  "prune",
			Short: "Remove cached images that no state refers to",
			Long:  planview.CommandHelp("cache prune"),
			Flags: prune.AddFlags,
			Run:   prune.run,
		}, cachePushCommand(), cachePullCommand()},
	}
}

func (o *cachePruneOptions) run(ctx context.Context, e *env, _ []string) error {
	verb := "removed"
	if o.dryRun {
		verb = "would remove"
	}
	return workspace.PruneCache(ctx, e.wiring(), o.lock.timeout, o.dryRun, workspace.Pruning{
		KeptMaxAge: o.keptMaxAge,
		Kept: func(p apply.KeptPrune, err error) {
			if d := e.getenv("IMGFORM_CACHE_DIR"); d != "" {
				fmt.Fprintf(e.stderr, "Note: the cache is IMGFORM_CACHE_DIR=%s. If other checkouts share it, entries only their states use are removed too.\n", d)
			}
			planview.WriteKeptPruned(e.stdout, p, o.keptMaxAge, o.dryRun, err)
		},
		Entry: func(u cache.Unneeded) { fmt.Fprintf(e.stdout, "%s %s\n", verb, planview.CacheEntry(u.Hash, u.Entry)) },
		Store: func(removed, total int, where string) {
			fmt.Fprintln(e.stdout, planview.PruneLine(removed, total, where, o.dryRun))
		},
		Skipped: func(store cache.Store) {
			fmt.Fprintf(e.stderr, "The shared cache %s is left as it is: with a local state, imgform cannot know what other checkouts use. Prune it from a checkout whose state is in the shared backend.\n", store)
		},
	})
}
