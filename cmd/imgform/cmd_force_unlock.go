package main

import (
	"context"
	"fmt"
)

func forceUnlockCommand() *command {
	return &command{
		name:  "force-unlock",
		args:  "ID",
		short: "Remove a state lock left behind",
		long: `Remove the state lock with the given id. A run that is killed releases
its lock by itself; this is for filesystems that do not honour flock (some
network filesystems), where a lock file can be left behind. It refuses a
lock that a running process still holds. The id is in the message of the
run that found the state locked.`,
		nargs: exactly(1),
		run: func(ctx context.Context, e *env, args []string) error {
			if err := stateBackend(e).ForceUnlock(ctx, args[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(e.stdout, "The state lock %s was removed.\n", args[0])
			return err
		},
	}
}
