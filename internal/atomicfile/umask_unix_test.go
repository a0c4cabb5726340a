//go:build !windows

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Both ways to write a file atomically give it the mode asked for as the
// umask leaves it, as os.WriteFile would: 0o666 under umask 022 is
// rw-r--r--, under 077 rw-------. (They disagreed: Write set the mode
// asked for whatever the umask said.)
func TestModeFollowsTheUmask(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o664}} {
		old := syscall.Umask(tc.umask)
		errWrite := WriteFile(filepath.Join(dir, "write"), []byte("x"), 0o666)
		errIn := WriteFileIn(root, "in/file", []byte("x"), 0o666)
		errPlain := os.WriteFile(filepath.Join(dir, "plain"), []byte("x"), 0o666)
		syscall.Umask(old)
		for _, err := range []error{errWrite, errIn, errPlain} {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"write", "in/file"} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != tc.want {
				t.Errorf("umask %03o: %s has mode %v, want %v", tc.umask, name, got, tc.want)
			}
		}
		for _, name := range []string{"write", "in/file", "plain"} {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
}
