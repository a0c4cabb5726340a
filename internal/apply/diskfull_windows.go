//go:build windows

package apply

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isDiskFull reports a write that failed because of the filesystem, not
// the file: no space, no quota, a write-protected disk.
func isDiskFull(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) ||
		errors.Is(err, windows.ERROR_DISK_QUOTA_EXCEEDED) || errors.Is(err, windows.ERROR_WRITE_PROTECT)
}
