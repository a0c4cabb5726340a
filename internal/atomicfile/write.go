package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// WriteFile replaces path with data atomically and durably, creating the
// parent directories as needed.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write replaces path atomically with what write produces: a temporary
// file in the same directory (named after the target, so that a leftover
// says what it was), written, fsynced and closed, then renamed over path
// (os.Rename replaces the target on every system: rename(2), and
// MoveFileEx with MOVEFILE_REPLACE_EXISTING on Windows), and the directory
// fsynced where the system allows it. The file gets perm as the umask
// leaves it, as a file os.WriteFile creates. Nothing is left behind when
// write or any step after it fails: the temporary file is removed and the
// old content stays. It is writeIn of the directory, as WriteFileIn is:
// one path for every atomic write.
func Write(path string, perm os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating directory for %s: %w", path, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer root.Close()
	return writeIn(root, filepath.Base(path), path, perm, write)
}

// WriteGitignore writes a .gitignore of "*" in dir unless there is one, so
// that imgform's own files (its cache, job journal and stat cache) are
// never committed, even when they live inside a repository. what names
// them in the file's comment.
func WriteGitignore(dir, what string) error {
	p := filepath.Join(dir, ".gitignore")
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	return WriteFile(p, []byte("# "+what+": never commit it.\n*\n"), 0o644)
}

// WriteFileIn is WriteFile of the file at rel (slash-separated) inside
// root: every step (the folders, the temporary file, the rename, the
// directory's fsync) goes through root, so that a path that leaves it, a
// symbolic link included, fails at the system call, whatever was checked
// before.
func WriteFileIn(root *os.Root, rel string, data []byte, perm os.FileMode) error {
	name := filepath.FromSlash(rel)
	if err := root.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("creating directory for %s: %w", rel, err)
	}
	return writeIn(root, name, rel, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeIn replaces name inside root atomically with what write produces
// (see Write); shown names it in errors.
func writeIn(root *os.Root, name, shown string, perm os.FileMode, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(name)
	f, tmp, err := createTempIn(root, dir, "."+filepath.Base(name)+".tmp", perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", shown, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			root.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("writing %s: %w", shown, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", shown, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", shown, err)
	}
	if err := root.Rename(tmp, name); err != nil {
		return fmt.Errorf("writing %s: %w", shown, err)
	}
	renamed = true
	return SyncDirIn(root, dir)
}

// createTempIn creates a new file in dir inside root, named prefix and a
// random suffix, as os.CreateTemp does.
func createTempIn(root *os.Root, dir, prefix string, perm os.FileMode) (*os.File, string, error) {
	for range 10000 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, name, err
	}
	return nil, "", fmt.Errorf("no unused temporary name in %s", dir)
}
