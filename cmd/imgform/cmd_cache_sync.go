package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	planview "github.com/imgform/imgform/internal/view"
)

type cachePushOptions struct {
	all bool
}

func (o *cachePushOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.all, "all", false, "upload every entry of this machine's cache, not only those the state refers to")
}

func cachePushCommand() *command {
	var o cachePushOptions
	return &command{
		Name:  "push",
		Args:  "[ADDR...]",
		Short: "Upload this machine's cache entries to the shared cache",
		Long: `Upload to the shared cache (the cache "s3" block) the entries of this
machine's cache that the state refers to (or only those of the images
ADDR selects; --all for every entry): after a team adopts a shared cache,
or from a runner that had none, so that teammates restore those images
instead of paying for them again. Each entry is checked against its
hashes before it is uploaded (a damaged one is skipped, and said), and
uploads are create-only: an entry the shared cache holds is left as it is.
The images an earlier run kept here because the shared cache could not
take them then are uploaded first.`,
		Flags: o.AddFlags,
		NArgs: cli.AtLeast(0),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runCacheCopy(ctx, e, args, o.all, true)
		},
	}
}

func cachePullCommand() *command {
	return &command{
		Name:  "pull",
		Args:  "[ADDR...]",
		Short: "Download the shared cache's entries the state refers to",
		Long: `Download from the shared cache into this machine's cache the entries the
state refers to (or those of the images ADDR selects), each checked
against its hashes: ahead of an apply that restores them, or before
working offline.`,
		NArgs: cli.AtLeast(0),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runCacheCopy(ctx, e, args, false, false)
		},
	}
}

// runCacheCopy pushes (or pulls) the entries the state refers to, of the
// images addrs select, or every local entry (all).
func runCacheCopy(ctx context.Context, e *env, addrs []string, all, push bool) error {
	targets, err := spec.ParseAddresses(addrs)
	if err != nil {
		return &cli.UsageError{Msg: err.Error()}
	}
	w, err := openWorkspace(ctx, e, workspaceOptions{cache: true})
	if err != nil {
		return err
	}
	defer w.close()
	if len(w.cache.Stores()) < 2 {
		return fmt.Errorf("no shared cache is configured: add a cache \"s3\" block to the imgform block (see the README's section on teams)")
	}
	var hashes []state.Hash
	names := map[state.Hash]string{}
	if all {
		hashes, err = w.cache.Stores()[0].List(ctx)
	} else {
		hashes, names, err = plan.StateHashes(w.st, targets)
	}
	if err != nil {
		return err
	}
	var mu sync.Mutex
	progress := func(c cache.Copied) {
		mu.Lock()
		defer mu.Unlock()
		if line := planview.CopiedLine(c, names[c.Hash], push); line != "" {
			fmt.Fprintln(e.stdout, line)
		}
	}
	copyAll := w.cache.Pull
	var sum cache.CopySummary
	if push {
		copyAll = w.cache.Push
		// First what an earlier run could not upload.
		if sum, err = w.cache.UploadPending(ctx, progress); err != nil {
			fmt.Fprintln(e.stdout, planview.CopySummary(sum, push))
			return err
		}
	}
	more, err := copyAll(ctx, hashes, progress)
	sum.Add(more)
	fmt.Fprintln(e.stdout, planview.CopySummary(sum, push))
	return err
}
