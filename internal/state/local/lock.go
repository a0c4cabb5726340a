package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/imgform/imgform/internal/proc"
	"github.com/imgform/imgform/internal/state"
)

// LockSuffix is appended to the state file's name for its lock file.
const LockSuffix = ".lock"

// fileLock is a held lock on a state file: an OS advisory lock (flock) on
// a file beside the state, so that a holder that is killed, even with
// SIGKILL, releases it with its process. Where the filesystem does not
// honour flock, the lock file's existence is the lock, and force-unlock
// removes one left behind.
type fileLock struct {
	path  string
	flock bool
	info  state.LockInfo
	*state.Watch

	mu       sync.Mutex
	f        *os.File // nil once let go
	released func()   // tells the backend its handle no longer holds the lock
}

func (l *fileLock) Info() state.LockInfo { return l.info }

// Held checks that the lock file is still the one this holder locked:
// force-unlock removes it, and another run then locks a new one.
func (l *fileLock) Held(context.Context) error {
	if err := l.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	f := l.f
	l.mu.Unlock()
	var lost *state.LockLostError
	switch {
	case f == nil:
		lost = &state.LockLostError{Where: l.path, Reason: "it was let go"}
	case l.flock && !samePath(f, l.path):
		lost = &state.LockLostError{Where: l.path, Reason: "the lock file was removed or replaced, by imgform force-unlock or by hand"}
	case !l.flock:
		if h := readLockFile(l.path); h == nil || h.ID != l.info.ID {
			lost = &state.LockLostError{Where: l.path, Reason: "the lock file was removed or replaced, by imgform force-unlock or by hand"}
		}
	}
	if lost != nil {
		l.Fail(lost)
		return lost
	}
	return nil
}

// Lock takes the lock on the state file. While it is held, this handle's
// saves and pending journal records check it first.
func (b *Backend) Lock(ctx context.Context, opts state.LockOptions) (state.Lock, error) {
	info := state.NewLockInfo(opts.Operation)
	path := b.path + LockSuffix
	l, err := state.WaitForLock(ctx, opts, func() (state.Lock, error) { return tryLock(path, info) })
	if err != nil {
		return nil, err
	}
	fl := l.(*fileLock)
	b.setHeld(fl)
	fl.mu.Lock()
	fl.released = func() { b.clearHeld(fl) }
	fl.mu.Unlock()
	return fl, nil
}

// tryLock takes the lock once, or reports who holds it.
func tryLock(path string, info state.LockInfo) (*fileLock, error) {
	// A workspace's state file may be in a folder of its own that no run
	// has made yet.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the state's folder: %w", err)
	}
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
			return nil, &state.LockedError{Where: path, Holder: holder}
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
		l := &fileLock{path: path, f: f, flock: true, info: info, Watch: state.NewWatch()}
		if err := l.writeInfo(); err != nil {
			l.Unlock()
			return nil, err
		}
		l.Start(l.Held)
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
func tryExclusiveCreate(path string, info state.LockInfo) (*fileLock, error) {
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			l := &fileLock{path: path, f: f, info: info, Watch: state.NewWatch()}
			if err := l.writeInfo(); err != nil {
				l.Unlock()
				return nil, err
			}
			l.Start(l.Held)
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
		return nil, &state.LockedError{Where: path, Holder: holder}
	}
	return nil, &state.LockedError{Where: path, Holder: readLockFile(path)}
}

// isStale reports a holder that was on this host and is gone.
func isStale(h state.LockInfo) bool {
	host, _ := os.Hostname()
	if h.Host != host || h.PID <= 0 {
		return false
	}
	return !proc.Alive(h.PID)
}

func (l *fileLock) writeInfo() error {
	data, err := json.MarshalIndent(l.info, "", "  ")
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

func readLockInfo(r io.ReaderAt) *state.LockInfo {
	buf := make([]byte, 4096)
	n, _ := r.ReadAt(buf, 0)
	var info state.LockInfo
	if json.Unmarshal(buf[:n], &info) != nil || info.ID == "" {
		return nil
	}
	return &info
}

func readLockFile(path string) *state.LockInfo {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	return readLockInfo(f)
}

// Unlock removes the lock file and lets go of the lock. A lock that was
// forced away leaves the new holder's file alone.
func (l *fileLock) Unlock() error {
	if l == nil {
		return nil
	}
	l.Stop()
	l.mu.Lock()
	f, released := l.f, l.released
	l.f = nil
	l.mu.Unlock()
	if f == nil {
		return nil
	}
	if released != nil {
		released()
	}
	var err error
	if l.Err() == nil && (!l.flock || samePath(f, l.path)) {
		err = releaseFile(f, l.path)
	} else {
		err = f.Close()
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("releasing lock: %w", err)
	}
	return nil
}

// ForceUnlock removes the lock with the given id. A lock that a running
// process still holds is taken from it only with opts.Force: the lock
// file is removed, the holder finds its lock gone within a second and
// stops paying for images.
func (b *Backend) ForceUnlock(_ context.Context, id string, opts state.ForceOptions) error {
	path := b.path + LockSuffix
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
		return fmt.Errorf("the state's lock does not have the id %s; it is held for %s. Use the id from the message of the run that found the state locked", id, holder.Describe())
	}
	if alive, how := holderAlive(path, *holder); alive && !opts.Force {
		return &state.HolderAliveError{Where: path, Holder: *holder, How: how}
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("removing lock file: %w", err)
	}
	return nil
}

// holderAlive reports whether the holder of the lock file at path still
// runs: it holds the file's flock, or (where flock is not honoured) its
// process runs on this host.
func holderAlive(path string, holder state.LockInfo) (bool, string) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false, ""
	}
	defer f.Close()
	switch err := lockFile(f); {
	case errors.Is(err, errHeld):
		return true, "its process still holds the lock file"
	case errors.Is(err, errFlockUnsupported):
		host, _ := os.Hostname()
		if holder.Host == host && holder.PID > 0 && proc.Alive(holder.PID) {
			return true, fmt.Sprintf("process %d still runs on this host", holder.PID)
		}
	}
	// Taken for a moment (or not honoured): nobody holds it. Closing f
	// lets go of it.
	return false, ""
}
