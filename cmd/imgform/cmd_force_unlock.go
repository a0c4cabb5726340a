package main

import (
	"context"
	"errors"
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
		Long: `Remove the state lock with the given id (it is in the message of the run
that found the state locked). A run that is killed releases its lock by
itself; this is for a lock left on a filesystem that does not honour
flock, and for a holder that hangs (a stuck process, a network that does
not drop its database session).

A holder that is still alive (its database session is connected, or its
process holds the lock file) is not forced without confirmation: on a
terminal you are asked, elsewhere --force is needed. Its run notices
within a second that it lost the lock: it stops paying for images,
collects the jobs it has in flight into the cache, and exits with an
error; its state is saved only if no other run has taken the lock.`,
		Flags: o.AddFlags,
		NArgs: cli.Exactly(1),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runForceUnlock(ctx, e, o, args[0])
		},
	}
}

func runForceUnlock(ctx context.Context, e *env, o forceUnlockOptions, id string) error {
	settings, err := workspace.LoadSettings()
	if err != nil {
		return err
	}
	b, err := workspace.OpenBackend(ctx, e.wiring(), settings, "", true)
	if err != nil {
		return err
	}
	defer b.Close()
	err = b.ForceUnlock(ctx, id, state.ForceOptions{Force: o.force})
	var alive *state.HolderAliveError
	if errors.As(err, &alive) {
		fmt.Fprintf(e.stderr, "%s.\nForcing the lock away stops that run from paying for more images (it notices within a second) and leaves what it was doing for the next apply.\n", planview.UpperFirst(alive.Error()))
		if !cli.IsTerminal(e.stdin) {
			return fmt.Errorf("force-unlock of a live holder needs confirmation: run it on a terminal to be asked, or pass --force (as CI must)")
		}
		if err := ask(e, "Take the lock from it?", "force-unlock"); err != nil {
			return err
		}
		err = b.ForceUnlock(ctx, id, state.ForceOptions{Force: true})
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "The state lock %s was removed.\n", id)
	return err
}
