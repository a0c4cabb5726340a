//go:build !windows

package atomicfile

import (
	"fmt"
	"os"
)

// SyncDir fsyncs a directory, so that a rename or removal in it survives a
// crash of the machine.
func SyncDir(dir string) error { return syncDirOpened(dir, os.Open) }

// SyncDirIn is SyncDir of the directory dir inside root.
func SyncDirIn(root *os.Root, dir string) error { return syncDirOpened(dir, root.Open) }

// syncDirOpened fsyncs the directory dir, opened with open.
func syncDirOpened(dir string, open func(string) (*os.File, error)) error {
	d, err := open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}
