package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

func stateCommand() *command {
	var lock lockOptions
	lockFlags := func(fs *pflag.FlagSet) { lock.AddFlags(fs, false) }
	var force bool
	pushFlags := func(fs *pflag.FlagSet) {
		lock.AddFlags(fs, false)
		fs.BoolVar(&force, "force", false, "replace the stored state even when it is of another lineage or newer")
	}
	return &command{
		Name:  "state",
		Short: "Inspect and edit the state",
		Long:  planview.CommandHelp("state"),
		Sub: []*command{
			{
				Name:  "pull",
				Short: "Print the state",
				Long:  planview.CommandHelp("state pull"),
				Run: func(ctx context.Context, e *env, args []string) error {
					return runStatePull(ctx, e)
				},
			},
			{
				Name:  "push",
				Args:  "FILE",
				Short: "Store a state file where the configuration keeps the state",
				Long:  planview.CommandHelp("state push"),
				Flags: pushFlags,
				NArgs: cli.Exactly(1),
				Run: func(ctx context.Context, e *env, args []string) error {
					return runStatePush(ctx, e, lock, args[0], force)
				},
			},
			{
				Name:  "list",
				Args:  "[ADDR-PATTERN]",
				Short: "List the images the state records",
				Long:  planview.CommandHelp("state list"),
				NArgs: cli.AtMost(1),
				Run: func(ctx context.Context, e *env, args []string) error {
					return runStateList(ctx, e, args)
				},
			},
			{
				Name:  "show",
				Args:  "ADDR",
				Short: "Show one image the state records",
				NArgs: cli.Exactly(1),
				Run: func(ctx context.Context, e *env, args []string) error {
					addr, err := spec.ParseAddress(args[0])
					if err != nil {
						return &cli.UsageError{Msg: err.Error(), Path: "state show"}
					}
					return showImage(ctx, e, addr.String(), false)
				},
			},
			{
				Name:  "rm",
				Args:  "ADDR...",
				Short: "Forget images (their files stay on disk)",
				Long:  planview.CommandHelp("state rm"),
				Flags: lockFlags,
				NArgs: cli.AtLeast(1),
				Run: func(ctx context.Context, e *env, args []string) error {
					return runStateRm(ctx, e, lock, args)
				},
			},
			{
				Name:  "mv",
				Args:  "SRC DST",
				Short: "Give a recorded image another address",
				Long:  planview.CommandHelp("state mv"),
				Flags: lockFlags,
				NArgs: cli.Exactly(2),
				Run: func(ctx context.Context, e *env, args []string) error {
					return runStateMv(ctx, e, lock, args[0], args[1])
				},
			},
		},
	}
}

func runStateList(ctx context.Context, e *env, args []string) error {
	st, err := workspace.LoadState(ctx, e.wiring())
	if err != nil {
		return err
	}
	addrs := st.Addresses()
	if len(args) == 1 {
		if addrs, err = plan.SelectAddresses(st, args[0]); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(e.stdout)
	for _, a := range addrs {
		fmt.Fprintln(bw, a)
	}
	return bw.Flush()
}

func runStateRm(ctx context.Context, e *env, lock lockOptions, patterns []string) error {
	return workspace.EditState(ctx, e.wiring(), "state rm", lock.timeout, func(st *state.State) error {
		var removed []string
		for _, p := range patterns {
			addr, err := spec.ParseAddress(p)
			if err != nil {
				return &cli.UsageError{Msg: err.Error(), Path: "state rm"}
			}
			gone, err := plan.RemoveFromState(st, addr)
			if err != nil {
				return err
			}
			removed = append(removed, gone...)
		}
		for _, r := range removed {
			fmt.Fprintf(e.stdout, "Removed %s\n", r)
		}
		fmt.Fprintf(e.stdout, "Removed %d %s from the state; the files stay on disk.\n", len(removed), planview.Plural(len(removed), "image", "images"))
		return nil
	})
}

func runStateMv(ctx context.Context, e *env, lock lockOptions, srcArg, dstArg string) error {
	src, err := spec.ParseAddress(srcArg)
	if err != nil {
		return &cli.UsageError{Msg: err.Error(), Path: "state mv"}
	}
	dst, err := spec.ParseAddress(dstArg)
	if err != nil {
		return &cli.UsageError{Msg: err.Error(), Path: "state mv"}
	}
	return workspace.EditState(ctx, e.wiring(), "state mv", lock.timeout, func(st *state.State) error {
		moved, err := plan.MoveInState(st, src, dst)
		if errors.Is(err, plan.ErrMoveKinds) {
			return &cli.UsageError{Msg: err.Error(), Path: "state mv"}
		}
		if err != nil {
			return err
		}
		return planview.WriteMoved(e.stdout, moved)
	})
}

func runStatePull(ctx context.Context, e *env) error {
	st, err := workspace.LoadState(ctx, e.wiring())
	if err != nil {
		return err
	}
	if st.Lineage == "" {
		return errors.New("there is no state yet: nothing has been applied in this workspace")
	}
	return planview.WriteState(e.stdout, st, true)
}

func runStatePush(ctx context.Context, e *env, lock lockOptions, file string, force bool) error {
	done, err := workspace.PushState(ctx, e.wiring(), file, force, lock.timeout)
	if done.State != nil {
		fmt.Fprintf(e.stdout, "Pushed %s (lineage %s, serial %d, %d %s) to %s.\n", file, done.State.Lineage, done.State.Serial, len(done.State.Images), planview.Plural(len(done.State.Images), "image", "images"), done.To)
	}
	if done.Renamed {
		fmt.Fprintf(e.stdout, "%s is renamed %s%s; delete it once you are sure.\n", file, file, workspace.PushedSuffix)
	}
	return err
}
