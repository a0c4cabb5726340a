package view

import (
	"fmt"

	"github.com/imgform/imgform/internal/state"
)

// LockedAdvice says what to do about a state locked by another run: wait
// for it, and, when that run is gone, how to free the lock.
func LockedAdvice(e *state.LockedError) string {
	s := "\nWait for that run to finish, or pass --lock-timeout DURATION to wait for it.\n"
	switch {
	case e.Holder == nil:
	case e.Session:
		s += fmt.Sprintf("The lock is held by that run's PostgreSQL session and ends with it: when the run ends or is killed, the server frees it. If the session is stuck (a run that hangs, a connection the server has not seen drop), end it with:\n  imgform force-unlock %s\n", e.Holder.ID)
	default:
		s += fmt.Sprintf("If no imgform is running (a lock left on a filesystem that does not honour flock), remove it with:\n  imgform force-unlock %s\n", e.Holder.ID)
	}
	return s
}

// LockLostAdvice says what to do after a run found its lock lost.
const LockLostAdvice = "\nAnother run may hold the lock now (imgform force-unlock, or the database restarted). Run imgform plan again once it is done; nothing this run paid for is paid again.\n"
