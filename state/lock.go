package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"
)

// LockSuffix is appended to the state file's name for its lock file.
const LockSuffix = ".lock"

// LockInfo names the holder of a lock. It is written into the lock file so
// that whoever finds the state locked can see by whom.
type LockInfo struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	PID       int       `json:"pid"`
	Host      string    `json:"host"`
	User      string    `json:"user"`
	Created   time.Time `json:"created"`
}

func (i LockInfo) String() string {
	return fmt.Sprintf("%s; lock id %s)", strings.TrimSuffix(i.describe(), ")"), i.ID)
}

// describe names the holder without the lock's id.
func (i LockInfo) describe() string {
	return fmt.Sprintf("%s (pid %d on %s, by %s, since %s)",
		i.Operation, i.PID, i.Host, i.User, i.Created.Local().Format("2006-01-02 15:04:05 MST"))
}

// LockedError reports a state that another run holds.
type LockedError struct {
	Path   string
	Holder *LockInfo // nil when the lock file could not be read
}

func (e *LockedError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("the state is locked by another imgform run (%s)", e.Path)
	}
	return fmt.Sprintf("the state is locked by another imgform run: %s", e.Holder)
}

// Lock is a held lock on a state file: an OS advisory lock (flock) on a
// file beside the state, so that a holder that is killed, even with
// SIGKILL, releases it with its process. Where the filesystem does not
// honour flock, the lock file's existence is the lock, and force-unlock
// removes one left behind.
type Lock struct {
	path  string
	f     *os.File
	flock bool
	Info  LockInfo
}

// LockOptions say how to take a lock.
type LockOptions struct {
	Operation string        // what the holder does, for the message ("apply")
	Timeout   time.Duration // how long to wait for a held lock; 0 = fail at once
}

// AcquireLock locks the state file at statePath, waiting up to
// opts.Timeout for another holder to let go.
func AcquireLock(ctx context.Context, statePath string, opts LockOptions) (*Lock, error) {
	info := newLockInfo(opts.Operation)
	path := statePath + LockSuffix
	deadline := time.Now().Add(opts.Timeout)
	delay := 50 * time.Millisecond
	for {
		l, err := tryLock(path, info)
		if err == nil {
			return l, nil
		}
		var locked *LockedError
		if !errors.As(err, &locked) {
			return nil, err
		}
		// Wait no longer than the deadline, and try once more at it: a
		// holder that lets go in the last second is still waited for.
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

func newLockInfo(op string) LockInfo {
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

// tryLock takes the lock once, or reports who holds it.
func tryLock(path string, info LockInfo) (*Lock, error) {
	for attempt := 0; attempt < 10; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("opening lock file: %w", err)
		}
		err = lockFile(f)
		switch {
		case err == nil:
		case errors.Is(err, errHeld):
			holder := readLockInfo(f)
			f.Close()
			return nil, &LockedError{Path: path, Holder: holder}
		case errors.Is(err, errFlockUnsupported):
			f.Close()
			return tryExclusiveCreate(path, info)
		default:
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		// A holder that released the lock may have removed the file
		// between our open and our flock; then we hold a lock on a file
		// nobody else can see. Start again on the new file.
		if !samePath(f, path) {
			f.Close()
			continue
		}
		l := &Lock{path: path, f: f, flock: true, Info: info}
		if err := l.writeInfo(); err != nil {
			l.Release()
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("locking %s: the lock file keeps being replaced", path)
}

// errHeld is what lockFile returns when another process holds the lock;
// errFlockUnsupported, where the filesystem does not honour the OS lock.
var (
	errHeld             = errors.New("the lock is held")
	errFlockUnsupported = errors.New("the filesystem does not honour file locks")
)

func samePath(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// tryExclusiveCreate is the lock where flock is not honoured: creating
// the file exclusively. A lock left behind by a process that no longer
// runs on this host is taken over.
func tryExclusiveCreate(path string, info LockInfo) (*Lock, error) {
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			l := &Lock{path: path, f: f, Info: info}
			if err := l.writeInfo(); err != nil {
				l.Release()
				return nil, err
			}
			return l, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("creating lock file: %w", err)
		}
		holder := readLockFile(path)
		if holder != nil && isStale(*holder) {
			os.Remove(path)
			continue
		}
		return nil, &LockedError{Path: path, Holder: holder}
	}
	return nil, &LockedError{Path: path, Holder: readLockFile(path)}
}

// isStale reports a holder that was on this host and is gone.
func isStale(h LockInfo) bool {
	host, _ := os.Hostname()
	if h.Host != host || h.PID <= 0 {
		return false
	}
	return processGone(h.PID)
}

func (l *Lock) writeInfo() error {
	data, err := json.MarshalIndent(l.Info, "", "  ")
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("writing lock file: %w", err)
	}
	if _, err := l.f.WriteAt(append(data, '\n'), 0); err != nil {
		return fmt.Errorf("writing lock file: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("writing lock file: %w", err)
	}
	return nil
}

func readLockInfo(r io.ReaderAt) *LockInfo {
	buf := make([]byte, 4096)
	n, _ := r.ReadAt(buf, 0)
	var info LockInfo
	if json.Unmarshal(buf[:n], &info) != nil || info.ID == "" {
		return nil
	}
	return &info
}

func readLockFile(path string) *LockInfo {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	return readLockInfo(f)
}

// Release removes the lock file and lets go of the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := releaseFile(l.f, l.path)
	l.f = nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("releasing lock: %w", err)
	}
	return nil
}

// ForceUnlock removes the lock with the given id that a run left behind.
// It refuses when the lock is still held by a running process.
func ForceUnlock(statePath, id string) error {
	path := statePath + LockSuffix
	holder := readLockFile(path)
	if holder == nil {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("the state is not locked: there is no %s", path)
		}
		return fmt.Errorf("the lock file %s does not name a holder; remove it by hand if no imgform is running", path)
	}
	if !strings.EqualFold(holder.ID, id) {
		// The right id is not told: force-unlock asks for it so that
		// only someone who read it where the lock was reported removes
		// the lock.
		return fmt.Errorf("the state's lock does not have the id %s; it is held for %s. Use the id from the message of the run that found the state locked", id, holder.describe())
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("opening lock file: %w", err)
	}
	defer f.Close()
	err = lockFile(f)
	if errors.Is(err, errHeld) {
		return fmt.Errorf("the lock is held by a running process: %s; stop it instead of unlocking", holder)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing lock file: %w", err)
	}
	return nil
}
