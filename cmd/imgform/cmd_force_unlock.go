package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/state"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

type forceUnlockOptions struct {
	force bool
}

func (o *forceUnlockOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.force, "force", false, "take the lock from a holder that is still alive without asking (needed when not on a terminal, e.g. in CI)")
}

func forceUnlockCommand() *command {
	var o forceUnlockOptions
	return &command{
		Name:  "force-unlock",
		Args:  "ID",
		Short: "Remove a state lock left behind",
		Long:  planview.CommandHelp("force-unlock"),
		Flags: o.AddFlags,
		NArgs: cli.Exactly(1),
		Run:   o.run,
	}
}

func (o *forceUnlockOptions) run(ctx context.Context, e *env, args []string) error {
	err := workspace.ForceUnlock(ctx, e.wiring(), args[0], o.force, func(alive *state.HolderAliveError) error {
		fmt.Fprintf(e.stderr, "%s.\nForcing the lock away stops that run from paying for more images (it notices within a second) and leaves what it was doing for the next apply.\n", planview.UpperFirst(alive.Error()))
		if !cli.IsTerminal(e.stdin) {
			return fmt.Errorf("force-unlock of a live holder needs confirmation: run it on a terminal to be asked, or pass --force (as CI must)")
		}
		return ask(e, "Take the lock from it?", "force-unlock")
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "The state lock %s was removed.\n", args[0])
	return err
}
