package apply

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"syscall"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/state"
)

// files does what apply does to the output files: atomic writes,
// renames, and removals that tidy the directories they empty. Paths are
// slash-separated and relative to the configuration directory. Every path
// is checked where it is used, whatever it came from (the configuration,
// the state, a plan file): relative, clean, inside the directory and not
// through a symbolic link that leads out of it.
type files struct {
	dir string
}

func (f files) full(rel string) string { return filepath.Join(f.dir, filepath.FromSlash(rel)) }

// check refuses a path imgform may not touch.
func (f files) check(rels ...string) error {
	for _, rel := range rels {
		if err := safepath.Check(f.dir, rel); err != nil {
			return fmt.Errorf("refusing to touch %q: %w", rel, err)
		}
	}
	return nil
}

// write replaces an output atomically, creating its directory, and
// returns the state's record of it: the hash of the bytes as written.
func (f files) write(rel string, data []byte) (state.Output, error) {
	if err := f.check(rel); err != nil {
		return state.Output{}, err
	}
	full := f.full(rel)
	if err := atomicfile.WriteFile(full, data, 0o644); err != nil {
		if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EEXIST) {
			return state.Output{}, fmt.Errorf("cannot write %s: a part of its directory path is a file, not a directory", rel)
		}
		return state.Output{}, err
	}
	fi, err := os.Stat(full)
	if err != nil {
		return state.Output{}, fmt.Errorf("checking %s after writing it: %w", rel, err)
	}
	return state.Output{Path: rel, SHA256: state.SumBytes(data), Size: int64(len(data)), ModTime: fi.ModTime().UTC()}, nil
}

// rename moves an output, creating the destination's directory.
func (f files) rename(from, to string) error {
	if err := f.check(from, to); err != nil {
		return err
	}
	dst := f.full(to)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("moving %s to %s: %w", from, to, err)
	}
	if err := os.Rename(f.full(from), dst); err != nil {
		return fmt.Errorf("moving %s to %s: %w", from, to, err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(dst)); err != nil {
		return err
	}
	f.removeEmptyDirs(path.Dir(from))
	return nil
}

// remove deletes an output and the directories it leaves empty.
func (f files) remove(rel string) error {
	if err := f.check(rel); err != nil {
		return err
	}
	if err := os.Remove(f.full(rel)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", rel, err)
	}
	f.removeEmptyDirs(path.Dir(rel))
	return nil
}

// removeEmptyDirs removes rel and its parents while they are empty, up to
// (not including) the configuration directory. A directory that is not
// empty stops it: imgform never removes anything it did not write.
func (f files) removeEmptyDirs(rel string) {
	for rel != "." && rel != "/" && rel != "" {
		if os.Remove(f.full(rel)) != nil {
			return
		}
		rel = path.Dir(rel)
	}
}

// stat records an existing output as it is now (after a rename, or for a
// refresh of its mtime), keeping the hash the state knew.
func (f files) stat(o state.Output) (state.Output, error) {
	fi, err := os.Stat(f.full(o.Path))
	if err != nil {
		return o, fmt.Errorf("checking %s: %w", o.Path, err)
	}
	o.ModTime = fi.ModTime().UTC()
	return o, nil
}
