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
// through a symbolic link that leads out of it (safepath, for the
// message); and every write, rename and removal goes through an os.Root
// opened at the directory, so that a link that appears after the check
// fails at the system call.
type files struct {
	dir string
}

func (f files) full(rel string) string { return filepath.Join(f.dir, filepath.FromSlash(rel)) }

// within runs fn with the configuration directory opened as a root.
func (f files) within(fn func(root *os.Root) error) error {
	root, err := os.OpenRoot(f.dir)
	if err != nil {
		return fmt.Errorf("opening the configuration directory: %w", err)
	}
	defer root.Close()
	return fn(root)
}

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
	var fi os.FileInfo
	err := f.within(func(root *os.Root) error {
		if err := atomicfile.WriteFileIn(root, rel, data, 0o644); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EEXIST) {
				return fmt.Errorf("cannot write %s: a part of its directory path is a file, not a directory", rel)
			}
			return err
		}
		var err error
		if fi, err = root.Stat(filepath.FromSlash(rel)); err != nil {
			return fmt.Errorf("checking %s after writing it: %w", rel, err)
		}
		return nil
	})
	if err != nil {
		return state.Output{}, err
	}
	return state.Output{Path: rel, SHA256: state.SumBytes(data), Size: int64(len(data)), ModTime: fi.ModTime().UTC()}, nil
}

// read reads an output, through the configuration directory's root (a
// link that leads out of it is refused).
func (f files) read(rel string) ([]byte, error) {
	if err := f.check(rel); err != nil {
		return nil, err
	}
	var data []byte
	err := f.within(func(root *os.Root) error {
		var err error
		data, err = root.ReadFile(filepath.FromSlash(rel))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, err)
	}
	return data, nil
}

// rename moves an output, creating the destination's directory.
func (f files) rename(from, to string) error {
	if err := f.check(from, to); err != nil {
		return err
	}
	dst := filepath.FromSlash(to)
	return f.within(func(root *os.Root) error {
		if err := root.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("moving %s to %s: %w", from, to, err)
		}
		if err := root.Rename(filepath.FromSlash(from), dst); err != nil {
			return fmt.Errorf("moving %s to %s: %w", from, to, err)
		}
		if err := atomicfile.SyncDirIn(root, filepath.Dir(dst)); err != nil {
			return err
		}
		removeEmptyDirs(root, path.Dir(from))
		return nil
	})
}

// remove deletes an output and the directories it leaves empty.
func (f files) remove(rel string) error {
	if err := f.check(rel); err != nil {
		return err
	}
	return f.within(func(root *os.Root) error {
		if err := root.Remove(filepath.FromSlash(rel)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", rel, err)
		}
		removeEmptyDirs(root, path.Dir(rel))
		return nil
	})
}

// removeEmptyDirs removes rel and its parents while they are empty, up to
// (not including) the root. A directory that is not empty stops it:
// imgform never removes anything it did not write.
func removeEmptyDirs(root *os.Root, rel string) {
	for rel != "." && rel != "/" && rel != "" {
		if root.Remove(filepath.FromSlash(rel)) != nil {
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
