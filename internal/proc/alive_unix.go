//go:build !windows

package proc

import (
	"errors"
	"syscall"
)

// Alive reports whether process pid runs on this host. A process of
// another user is alive too (signal 0 is refused with EPERM, not ESRCH).
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
