package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/state"
)

// BackupSuffix is appended to the state file's name for the copy of the
// state as it was before a run changed it.
const BackupSuffix = ".backup"

// Backend is the state in one file.
type Backend struct {
	path string
	jobs *Journal

	stored state.Stored // what this handle read or last wrote

	mu   sync.Mutex
	seen fileStamp // the file as stored was when this handle last read or wrote it
	// loaded is the file as Load found it (nil when there was none): the
	// backup, written at the first save, is the state before this run,
	// never a checkpoint of it.
	loaded   []byte
	backedUp bool

	held *fileLock // the lock this handle holds, which fences its writes
}

func (b *Backend) setHeld(l *fileLock) {
	b.mu.Lock()
	b.held = l
	b.mu.Unlock()
}

func (b *Backend) clearHeld(l *fileLock) {
	b.mu.Lock()
	if b.held == l {
		b.held = nil
	}
	b.mu.Unlock()
}

// fence returns nil when this handle holds no lock, or holds it still:
// a write of a run that lost its lock (forced away) is refused. The
// caller holds b.mu.
func (b *Backend) fence() error {
	if b.held == nil {
		return nil
	}
	return b.held.Held(context.Background())
}

// fencePending is the check a pending journal record needs: the handle
// holds the lock, now.
func (b *Backend) fencePending() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held == nil {
		return &state.LockLostError{Where: b.path + LockSuffix, Reason: "this run does not hold the state lock"}
	}
	return b.held.Held(context.Background())
}

// Open returns the backend of the state file at path; nothing is read or
// created until it is used. The job journal is .imgform/jobs beside it.
func Open(path string) *Backend {
	b := &Backend{
		path: path,
		jobs: NewJournal(filepath.Join(filepath.Dir(path), safepath.StateDirName, "jobs")),
	}
	b.jobs.fence = b.fencePending
	return b
}

// String is the state file's path.
func (b *Backend) String() string { return b.path }

// Path is the state file's path.
func (b *Backend) Path() string { return b.path }

// Close lets go of a lock this handle holds; a file needs nothing else.
func (b *Backend) Close() error {
	b.mu.Lock()
	held := b.held
	b.mu.Unlock()
	if held != nil {
		return held.Unlock()
	}
	return nil
}

// Jobs is the journal in .imgform/jobs beside the state file.
func (b *Backend) Jobs() state.Journal { return b.jobs }

// Load reads the state file. A missing file is a new, empty state.
func (b *Backend) Load(_ context.Context) (*state.State, error) {
	data, stamp, err := b.read()
	if err != nil {
		return nil, err
	}
	snap, st, err := state.Decode(b.path, data)
	if err != nil {
		var corrupt *state.CorruptError
		if errors.As(err, &corrupt) {
			corrupt.Recovery = fmt.Sprintf("a copy of the previous version may be in %s%s, and git has the committed one", b.path, BackupSuffix)
		}
		return nil, err
	}
	b.stored.Loaded(snap)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen, b.loaded, b.backedUp = stamp, data, false
	return st, nil
}

// read returns the file's bytes (nil when there is none) and its stamp.
func (b *Backend) read() ([]byte, fileStamp, error) {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fileStamp{}, nil
	}
	if err != nil {
		return nil, fileStamp{}, fmt.Errorf("reading state: %w", err)
	}
	return data, stampOf(b.path), nil
}

// Save writes st when it differs from the state on disk: the file as it
// was when loaded is kept as the backup (once: later saves of the same
// run, such as apply's checkpoints, leave it), and the new one replaces it
// atomically. The file must still be the one this handle read or wrote.
func (b *Backend) Save(ctx context.Context, st *state.State) (bool, error) {
	return b.stored.Save(ctx, st, b.write)
}

// Push writes st as it is, lineage and serial kept.
func (b *Backend) Push(ctx context.Context, st *state.State) error {
	return b.stored.Push(ctx, st, b.write)
}

// write replaces the file, which must still hold cur, with next, keeping
// the backup.
func (b *Backend) write(_ context.Context, cur, next *state.Snapshot) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.fence(); err != nil {
		return err
	}
	if err := b.checkUnchanged(cur); err != nil {
		return err
	}
	if b.loaded != nil && !b.backedUp {
		if err := atomicfile.WriteFile(b.path+BackupSuffix, b.loaded, 0o644); err != nil {
			return fmt.Errorf("saving state backup: %w", err)
		}
		b.backedUp = true
	}
	// The document is streamed into the temporary file (header, then
	// each entry's bytes, through a buffer), not put together in memory.
	err := atomicfile.Write(b.path, 0o644, func(w io.Writer) error {
		_, err := next.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	b.seen = stampOf(b.path)
	return nil
}

// checkUnchanged is the compare half of Save's compare-and-swap: the file
// is cur, the one this handle last read or wrote. Its stamp says so at
// the cost of a stat; when the stamp differs, the bytes decide (a
// checkout that wrote the same bytes again is no conflict). The caller
// holds b.mu.
func (b *Backend) checkUnchanged(cur *state.Snapshot) error {
	if cur.Stored() && stampOf(b.path) == b.seen && b.seen != (fileStamp{}) {
		return nil
	}
	onDisk, _, err := b.read()
	if err != nil {
		return err
	}
	if cur.Matches(onDisk) {
		return nil
	}
	conflict := &state.ConflictError{Where: b.path, Serial: cur.Serial}
	if snap, _, err := state.Decode(b.path, onDisk); err == nil {
		conflict.Stored = snap.Serial
	}
	return conflict
}

// fileStamp identifies one version of a file without reading it.
type fileStamp struct {
	size    int64
	modTime time.Time
	change  [2]int64 // inode and change time, where the system has them
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{size: fi.Size(), modTime: fi.ModTime(), change: changeOf(path)}
}
