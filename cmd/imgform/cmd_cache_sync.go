package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
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
	sum, err := workspace.CopyCache(ctx, e.wiring(), targets, all, push, func(c cache.Copied, addr string) {
		if line := planview.CopiedLine(c, addr, push); line != "" {
			fmt.Fprintln(e.stdout, line)
		}
	})
	if sum != nil {
		fmt.Fprintln(e.stdout, planview.CopySummary(*sum, push))
	}
	return err
}
