package backendtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/state"
)

// holderEnv makes the test binary a lock holder instead of running tests.
const holderEnv = "IMGFORM_BACKENDTEST_HOLDER"

// HolderOperation is the operation a holder process names in its lock.
const HolderOperation = "apply (test holder)"

// ServeHolder turns this process into a lock holder when the suite
// started it as one, and returns otherwise. Call it first in TestMain,
// with a function that opens the workspace the suite's Env names. A
// holder takes the lock, says so on stdout ("locked ID PID"), holds it
// until its stdin closes, then lets go ("released") and exits. When it
// finds its lock lost (forced away), it says "lost REASON" at once.
func ServeHolder(open func() (state.Backend, error)) {
	if os.Getenv(holderEnv) == "" {
		return
	}
	os.Exit(hold(open))
}

func hold(open func() (state.Backend, error)) int {
	b, err := open()
	if err != nil {
		fmt.Printf("error %v\n", err)
		return 2
	}
	l, err := b.Lock(context.Background(), state.LockOptions{Operation: HolderOperation})
	if err != nil {
		fmt.Printf("error %v\n", err)
		return 3
	}
	fmt.Printf("locked %s %d\n", l.Info().ID, os.Getpid())
	go func() {
		<-l.Lost()
		fmt.Printf("lost %v\n", l.Err())
	}()
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := l.Unlock(); err != nil {
		fmt.Printf("error %v\n", err)
		return 4
	}
	fmt.Println("released")
	return 0
}

// Holder is a process holding a workspace's lock.
type Holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	ID    string // the lock's id
	PID   int
}

// StartHolder starts a holder process on the workspace env names, and
// waits until it holds the lock.
func StartHolder(t *testing.T, env []string) *Holder {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), holderEnv+"=1"), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &Holder{cmd: cmd, stdin: stdin, lines: make(chan string, 4)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := h.Next(t)
	fields := strings.Fields(line)
	if len(fields) != 3 || fields[0] != "locked" {
		t.Fatalf("the holder did not take the lock: %q", line)
	}
	h.ID = fields[1]
	if h.PID, err = strconv.Atoi(fields[2]); err != nil || h.PID != cmd.Process.Pid {
		t.Fatalf("the holder says it is pid %s, but it is %d", fields[2], cmd.Process.Pid)
	}
	return h
}

// TryHolder runs a holder process that must fail to take the lock, and
// returns what it said.
func TryHolder(t *testing.T, env []string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), holderEnv+"=1"), env...)
	out, _ := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("a holder process exited %d, want 3 (lock refused): %s", code, out)
	}
	return string(out)
}

// Next returns the holder's next line of output.
func (h *Holder) Next(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-h.lines:
		if !ok {
			t.Fatal("the holder exited without a word")
		}
		return line
	case <-time.After(time.Minute):
		t.Fatal("the holder said nothing for a minute")
	}
	return ""
}

// Release makes the holder let go, and waits until it has.
func (h *Holder) Release(t *testing.T) {
	t.Helper()
	h.ReleaseSoon()
	if line := h.Next(t); line != "released" {
		t.Fatalf("the holder did not release the lock: %q", line)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("the holder failed: %v", err)
	}
}

// ReleaseSoon tells the holder to let go without waiting for it.
func (h *Holder) ReleaseSoon() { h.stdin.Close() }

// Kill kills the holder with SIGKILL while it holds the lock.
func (h *Holder) Kill(t *testing.T) {
	t.Helper()
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err := h.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the holder did not die of SIGKILL: %v", err)
	}
}
