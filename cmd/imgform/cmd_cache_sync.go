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
		Long:  planview.CommandHelp("cache push"),
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
		Long:  planview.CommandHelp("cache pull"),
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
