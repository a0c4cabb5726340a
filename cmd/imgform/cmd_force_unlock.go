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
its lock by itself. With the state file, this is for filesystems that do
not honour flock (some network filesystems), where a lock file can be left
behind; it refuses a lock that a running process still holds. With the pg
backend, it ends the database session of a holder that is stuck (a hung
process, a network that does not drop the connection). The id is in the
message of the run that found the state locked.`,
		nargs: exactly(1),
		run: func(ctx context.Context, e *env, args []string) error {
			settings, err := loadSettings(e)
			if err != nil {
				return err
			}
			b, err := openBackend(ctx, e, settings, backendOptions{ignoreLocalState: true})
			if err != nil {
				return err
			}
			defer closeBackend(b)
			if err := b.ForceUnlock(ctx, args[0]); err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "The state lock %s was removed.\n", args[0])
			return err
		},
	}
}
