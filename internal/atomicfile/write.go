package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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
// fsynced where the system allows it. Nothing is left behind when write or
// any step after it fails: the temporary file is removed and the old
// content stays.
func Write(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating directory for %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(perm); err != nil && !chmodUnsupported(err) {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := write(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	renamed = true
	return SyncDir(dir)
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
