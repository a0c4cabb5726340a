package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

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

func runCachePrune(ctx context.Context, e *env, o cachePruneOptions) error {
	w, err := openWorkspace(ctx, e, workspaceOptions{operation: "cache prune", lock: o.lock})
	if err != nil {
		return err
	}
	defer w.close()
	if d := e.getenv("IMGFORM_CACHE_DIR"); d != "" {
		fmt.Fprintf(e.stderr, "Note: the cache is IMGFORM_CACHE_DIR=%s. If other checkouts share it, entries only their states use are removed too.\n", d)
	}
	keep := map[state.Hash]bool{}
	for _, entry := range w.st.Images {
		keep[entry.InputHash] = true
	}
	entries, err := w.cache.Entries()
	if err != nil {
		return err
	}
	removed := 0
	for _, h := range entries {
		if keep[h] {
			continue
		}
		if o.dryRun {
			fmt.Fprintf(e.stdout, "would remove %s\n", h)
			removed++
			continue
		}
		if err := w.cache.Remove(h); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed %s\n", h)
		removed++
	}
	verb := "Removed"
	if o.dryRun {
		verb = "Would remove"
	}
	fmt.Fprintf(e.stdout, "%s %d of %d cached %s; %d in use by the state.\n", verb, removed, len(entries), pluralWord(len(entries), "entry", "entries"), len(entries)-removed)
	return nil
}
