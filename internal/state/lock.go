package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"sync"
	"time"
)

// Lock is a held workspace lock.
//
// A lock can be lost while its holder runs: its database session ends
// (the server restarts, force-unlock ends it), or its file is removed by
// force-unlock. A holder learns it in two ways: Held proves, at the moment
// it is asked, that the lock is still held (a run asks before it pays for
// anything), and Lost is closed once a check, Held's or the watch every
// backend keeps on its lock (every watchInterval), found it gone.
type Lock interface {
	// Info names the holder, as others who find the state locked see it.
	Info() LockInfo
	// Held returns nil when the lock is held at this moment, and a
	// *LockLostError when it is not or cannot be shown to be (a check
	// that cannot reach the store proves nothing).
	Held(ctx context.Context) error
	// Lost is closed once the lock is known to be lost; Err then says
	// why (a *LockLostError).
	Lost() <-chan struct{}
	Err() error
	// Unlock lets go of the lock. A second Unlock does nothing.
	Unlock() error
}

// LockLostError reports a lock its holder no longer has: what it did
// after it was lost is not protected from another run.
type LockLostError struct {
	Where  string
	Reason string // "its database session ended", "the lock file was removed"
	Err    error  // the failure that showed it, when there is one
}

func (e *LockLostError) Error() string {
	msg := fmt.Sprintf("the state lock was lost (%s; %s)", e.Reason, e.Where)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *LockLostError) Unwrap() error { return e.Err }

// HolderAliveError is ForceUnlock's answer when the lock's holder still
// runs and Force was not given: forcing the lock away stops that run from
// paying for more images (it notices within a second), and whatever it
// was writing is left half done.
type HolderAliveError struct {
	Where  string
	Holder LockInfo
	// How says how the holder was seen alive: "its database session is
	// connected", "its process still holds the lock file".
	How string
}

func (e *HolderAliveError) Error() string {
	return fmt.Sprintf("the state lock of %s is held by a run that is still alive (%s): %s", e.Where, e.How, e.Holder.Describe())
}

// ForceOptions say how to force a lock away.
type ForceOptions struct {
	// Force takes the lock from a holder that is still alive, which then
	// stops paying for images; without it, a live holder is a
	// *HolderAliveError.
	Force bool
}

// LockOptions say how to take a lock.
type LockOptions struct {
	Operation string        // what the holder does, for the message ("apply")
	Timeout   time.Duration // how long to wait for a held lock; 0 = fail at once
}

// LockInfo names the holder of a lock. Backends store it with the lock so
// that whoever finds the state locked can see by whom.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	User      string    `json:"user"`
	Created   time.Time `json:"created"`
}

// NewLockInfo describes this process as the holder of a lock taken for
// op, with a new id.
func NewLockInfo(op string) LockInfo {
	host, _ := os.Hostname()
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return LockInfo{
		ID:        newLineage(),
		Operation: op,
		PID:       os.Getpid(),
		Host:      host,
		User:      name,
		Created:   time.Now().UTC().Truncate(time.Second),
	}
}

func (i LockInfo) String() string {
	return fmt.Sprintf("%s; lock id %s)", strings.TrimSuffix(i.Describe(), ")"), i.ID)
}

// Describe names the holder without the lock's id, which only the message
// of a run that found the state locked shows (force-unlock asks for it).
func (i LockInfo) Describe() string {
	return fmt.Sprintf("%s (pid %d on %s, by %s, since %s)",
		i.Operation, i.PID, i.Host, i.User, i.Created.Local().Format("2006-01-02 15:04:05 MST"))
}

// LockedError reports a state that another run holds.
type LockedError struct {
	Where  string
	Holder *LockInfo // nil when the holder could not be read
	// Session is true for a lock held by a database session (the pg
	// backend), which ends with it, rather than a lock file.
	Session bool
}

func (e *LockedError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("the state is locked by another imgform run (%s)", e.Where)
	}
	return fmt.Sprintf("the state is locked by another imgform run: %s", e.Holder)
}

// WaitForLock calls try until it takes the lock, for up to opts.Timeout
// while it reports the lock held (*LockedError): the waiting every backend
// shares. A holder that lets go in the last moment is still waited for:
// try runs once more at the deadline.
func WaitForLock(ctx context.Context, opts LockOptions, try func() (Lock, error)) (Lock, error) {
	deadline := time.Now().Add(opts.Timeout)
	delay := 50 * time.Millisecond
	for {
		l, err := try()
		if err == nil {
			return l, nil
		}
		var locked *LockedError
		if !errors.As(err, &locked) {
			return nil, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, err
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, time.Second)
	}
}

// watchInterval is how often a held lock is checked while its holder
// runs: a lock lost between two billable requests is noticed within it
// (and a billable request checks for itself besides).
var watchInterval = 250 * time.Millisecond

// Watch is what every backend's held lock shares: the Lost channel, the
// reason, and the watch that checks the lock every watchInterval until
// it is let go.
type Watch struct {
	lost     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	mu      sync.Mutex
	err     error
	started bool
}

// NewWatch returns the watch of a lock; Start starts it.
func NewWatch() *Watch {
	return &Watch{lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
}

// Start watches the lock with check, which returns nil while the lock is
// held (and a *LockLostError, or the failure, when it is not). A check
// that fails for another reason than a lost lock is taken as a loss too:
// a held lock is what can be shown.
func (w *Watch) Start(check func(ctx context.Context) error) {
	w.mu.Lock()
	w.started = true
	w.mu.Unlock()
	go w.run(check)
}

func (w *Watch) run(check func(ctx context.Context) error) {
	defer close(w.done)
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.lost:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), watchTimeout)
		err := check(ctx)
		cancel()
		select {
		case <-w.stop:
			return // let go meanwhile: what failed was the closing
		default:
		}
		if err != nil {
			w.Fail(err)
		}
	}
}

// watchTimeout bounds one check of the watch: a store that does not
// answer for this long cannot show the lock is held.
const watchTimeout = 5 * time.Second

// Fail records that the lock is lost, because of err, and closes Lost.
// The first reason is kept.
func (w *Watch) Fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	w.err = err
	close(w.lost)
}

// Lost is closed once the lock is known to be lost.
func (w *Watch) Lost() <-chan struct{} { return w.lost }

// Err is why the lock was lost; nil while it is not known to be.
func (w *Watch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Stop ends the watch, for an Unlock. It waits for a check under way.
func (w *Watch) Stop() {
	w.stopOnce.Do(func() { close(w.stop) })
	w.mu.Lock()
	started := w.started
	w.mu.Unlock()
	if started {
		<-w.done
	}
}
