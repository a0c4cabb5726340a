package state

import (
	"context"
	"fmt"
)

// The port a workspace's state is kept behind is Backend, made of the
// small interfaces a consumer takes on its own (opentofu's statemgr keeps
// its state managers the same way): a function takes the smallest it
// uses. Loading and pushing have no consumer but a whole Backend.

// Saver stores the state a run changed.
type Saver interface {
	// Save stores st as the next serial when it differs from the state
	// this handle loaded or last saved, and reports whether it wrote. It
	// is a compare-and-swap: when the store no longer holds that state
	// (another writer came in between), nothing is written and the error
	// is a *ConflictError. An empty state is not stored where nothing
	// was. Save does not change st.
	Save(ctx context.Context, st *State) (bool, error)
}

// Locker takes and forces the workspace's lock.
type Locker interface {
	// Lock takes the workspace's lock, waiting up to opts.Timeout for
	// another holder to let go. The lock of a holder that dies, even
	// killed with SIGKILL, does not block the next run.
	//
	// While this handle holds the lock, what it writes is fenced by it:
	// Save, and the pending records of its journal, are written only in
	// the same step as a check that the lock is still held, and fail
	// with a *LockLostError otherwise (another run may hold it now).
	Lock(ctx context.Context, opts LockOptions) (Lock, error)

	// ForceUnlock removes a lock, given the id its LockedError showed.
	// It refuses another id, without telling the right one. A lock whose
	// holder is still alive is a *HolderAliveError unless opts.Force:
	// then it is taken from that holder, which notices within a second
	// and stops paying for images.
	ForceUnlock(ctx context.Context, id string, opts ForceOptions) error
}

// JobKeeper has the workspace's job journal.
type JobKeeper interface {
	// Jobs is the workspace's job journal.
	Jobs() Journal
}

// Backend is where a workspace's state is kept: a file beside the
// configuration (package state/local), or a store a team shares (package
// state/pg). A Backend value is one handle on one workspace, used by one
// run; two handles on the same workspace behave as two runs would.
//
// The contract is the conformance suite in state/backendtest: every
// backend passes it.
type Backend interface {
	// String names the state for people: a path, or a location without
	// its credentials.
	String() string
	// Load reads the stored state. A workspace with nothing stored is a
	// new, empty state with no lineage. Load sets the snapshot Save
	// compares the store against.
	Load(ctx context.Context) (*State, error)
	Saver
	// Push stores st as it is, with its own lineage and serial, in place
	// of the state this handle loaded: imgform state push, and the move
	// of a local state into a shared backend. It is a compare-and-swap
	// like Save. Which states may replace which is CheckPush's rule.
	Push(ctx context.Context, st *State) error
	Locker
	JobKeeper
	// Close releases what the handle holds open (connections). A lock it
	// holds is let go first.
	Close() error
}

// ConflictError reports a Save whose compare-and-swap failed: the stored
// state changed after this run read it. Nothing was written.
type ConflictError struct {
	Where string
	// Serial is the serial this run read; Stored the one found, when
	// known (0 otherwise).
	Serial, Stored uint64
}

func (e *ConflictError) Error() string {
	found := "it was rewritten"
	if e.Stored != 0 {
		found = fmt.Sprintf("it is now at serial %d", e.Stored)
	}
	return fmt.Sprintf("the state in %s changed while this run held it (read at serial %d; %s): another run or an edit wrote it. Nothing was written over it; run plan again", e.Where, e.Serial, found)
}
