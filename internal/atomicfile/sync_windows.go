//go:build windows

package atomicfile

import "os"

// SyncDir does nothing on Windows: a directory cannot be opened for
// fsync there, and NTFS journals the rename itself.
func SyncDir(dir string) error { return nil }

// SyncDirIn does nothing on Windows, as SyncDir.
func SyncDirIn(root *os.Root, dir string) error { return nil }
