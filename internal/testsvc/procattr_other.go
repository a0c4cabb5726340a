//go:build !linux && !windows

package testsvc

import "syscall"

// childAttr runs a service as cred (nil: as this process). Outside Linux
// there is no parent-death signal: Stop kills the services.
func childAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred}
}
