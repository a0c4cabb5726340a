//go:build !windows

package apply

import (
	"errors"
	"syscall"
)

// isDiskFull reports a write that failed because of the filesystem, not
// the file: no space, no quota, mounted read-only.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS)
}
