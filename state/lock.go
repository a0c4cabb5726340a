package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"
)

// Lock is a held workspace lock.
type Lock interface {
	// Info names the holder, as others who find the state locked see it.
	Info() LockInfo
	// Unlock lets go of the lock. A second Unlock does nothing.
	Unlock() error
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
