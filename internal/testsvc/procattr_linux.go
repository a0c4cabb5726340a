package testsvc

import "syscall"

// childAttr runs a service as cred (nil: as this process), killed when
// this process dies, however it dies.
func childAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
}
