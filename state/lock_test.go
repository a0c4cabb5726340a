package state

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// lockHelperEnv, when set to a state path, makes the test binary a lock
// holder instead of running the tests: it takes the lock, says so on
// stdout ("locked ID PID"), and holds it until its stdin is closed, then
// releases it ("released") and exits. Locks belong to processes, so
// contention is tested between real ones.
const lockHelperEnv = "IMGFORM_TEST_LOCK_HOLDER"

// helperOperation is the operation the helper names in its lock.
const helperOperation = "apply (test holder)"

func TestMain(m *testing.M) {
	if statePath := os.Getenv(lockHelperEnv); statePath != "" {
		os.Exit(holdLock(statePath))
	}
	os.Exit(m.Run())
}

func holdLock(statePath string) int {
	l, err := AcquireLock(context.Background(), statePath, LockOptions{Operation: helperOperation})
	if err != nil {
		fmt.Printf("error %v\n", err)
		return 3
	}
	fmt.Printf("locked %s %d\n", l.Info.ID, os.Getpid())
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := l.Release(); err != nil {
		fmt.Printf("error %v\n", err)
		return 4
	}
	fmt.Println("released")
	return 0
}

// holder is a helper process holding the lock.
type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	id    string
	pid   int
}

// startHolder starts a helper process and waits until it holds the lock
// of statePath.
func startHolder(t *testing.T, statePath string) *holder {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+statePath)
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
	h := &holder{cmd: cmd, stdin: stdin, lines: make(chan string, 4)}
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
	line := h.next(t)
	fields := strings.Fields(line)
	if len(fields) != 3 || fields[0] != "locked" {
		t.Fatalf("the holder did not take the lock: %q", line)
	}
	h.id = fields[1]
	if h.pid, err = strconv.Atoi(fields[2]); err != nil || h.pid != cmd.Process.Pid {
		t.Fatalf("the holder says it is pid %s, but it is %d", fields[2], cmd.Process.Pid)
	}
	return h
}

// next returns the holder's next line of output.
func (h *holder) next(t *testing.T) string {
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

// release makes the holder let go, and waits until it has.
func (h *holder) release(t *testing.T) {
	t.Helper()
	h.stdin.Close()
	if line := h.next(t); line != "released" {
		t.Fatalf("the holder did not release the lock: %q", line)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("the holder failed: %v", err)
	}
}

// kill kills the holder with SIGKILL while it holds the lock.
func (h *holder) kill(t *testing.T) {
	t.Helper()
	if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := h.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the holder did not die of SIGKILL: %v", err)
	}
}

func statePathIn(t *testing.T) string {
	return filepath.Join(t.TempDir(), "imgform.state.json")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestLockContention(t *testing.T) {
	sp := statePathIn(t)
	h := startHolder(t, sp)

	start := time.Now()
	l, err := AcquireLock(context.Background(), sp, LockOptions{Operation: "plan"})
	if err == nil {
		l.Release()
		t.Fatal("a second process took a held lock")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("without a timeout, failing took %s; it must fail at once", elapsed)
	}
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("want a *LockedError, got %T: %v", err, err)
	}
	if locked.Holder == nil {
		t.Fatalf("the error does not name the holder: %v", err)
	}
	host, _ := os.Hostname()
	want := LockInfo{ID: h.id, Operation: helperOperation, PID: h.pid, Host: host}
	if diff := cmp.Diff(want, *locked.Holder, cmpopts.IgnoreFields(LockInfo{}, "User", "Created")); diff != "" {
		t.Errorf("holder (-want +got):\n%s", diff)
	}
	if locked.Holder.User == "" || time.Since(locked.Holder.Created) > time.Hour {
		t.Errorf("holder user %q, created %s", locked.Holder.User, locked.Holder.Created)
	}
	for _, s := range []string{strconv.Itoa(h.pid), host, helperOperation, h.id} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the message does not say %q: %v", s, err)
		}
	}
	h.release(t)
	if exists(sp + LockSuffix) {
		t.Errorf("the lock file is still there after the holder released it")
	}
}

func TestLockTimeout(t *testing.T) {
	t.Run("waits for the holder", func(t *testing.T) {
		sp := statePathIn(t)
		h := startHolder(t, sp)
		const hold = 600 * time.Millisecond
		go func() {
			time.Sleep(hold)
			h.stdin.Close()
		}()
		start := time.Now()
		l, err := AcquireLock(context.Background(), sp, LockOptions{Operation: "apply", Timeout: time.Minute})
		if err != nil {
			t.Fatalf("waiting for the lock: %v", err)
		}
		if elapsed := time.Since(start); elapsed < hold-100*time.Millisecond {
			t.Errorf("got the lock after %s, before the holder let go", elapsed)
		}
		if line := h.next(t); line != "released" {
			t.Errorf("holder: %q", line)
		}
		assertLockFileNames(t, sp, l.Info)
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
		if exists(sp + LockSuffix) {
			t.Errorf("the lock file is still there after Release")
		}
	})

	t.Run("gives up at the deadline, not before", func(t *testing.T) {
		sp := statePathIn(t)
		h := startHolder(t, sp)
		const timeout = 700 * time.Millisecond
		start := time.Now()
		_, err := AcquireLock(context.Background(), sp, LockOptions{Operation: "apply", Timeout: timeout})
		elapsed := time.Since(start)
		var locked *LockedError
		if !errors.As(err, &locked) || locked.Holder == nil || locked.Holder.ID != h.id {
			t.Fatalf("want a *LockedError naming the holder, got %v", err)
		}
		if elapsed < timeout || elapsed > timeout+2*time.Second {
			t.Errorf("gave up after %s; the timeout is %s", elapsed, timeout)
		}
	})

	t.Run("stops when the context is cancelled", func(t *testing.T) {
		sp := statePathIn(t)
		startHolder(t, sp)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := AcquireLock(ctx, sp, LockOptions{Operation: "apply", Timeout: time.Minute})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("want the context's error, got %v", err)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("stopped after %s", elapsed)
		}
	})
}

func TestLockHolderKilled(t *testing.T) {
	sp := statePathIn(t)
	h := startHolder(t, sp)
	h.kill(t)

	// The killed holder left its lock file, naming it; it blocks nobody.
	if info := readLockFile(sp + LockSuffix); info == nil || info.ID != h.id {
		t.Fatalf("the lock file does not name the killed holder: %+v", info)
	}
	start := time.Now()
	l, err := AcquireLock(context.Background(), sp, LockOptions{Operation: "apply"})
	if err != nil {
		t.Fatalf("the lock of a killed holder blocks the next run: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("taking the lock took %s", elapsed)
	}
	assertLockFileNames(t, sp, l.Info)
	if l.Info.PID != os.Getpid() || l.Info.Operation != "apply" {
		t.Errorf("lock info %+v", l.Info)
	}

	// While this process holds it, a new process cannot take it.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+sp)
	out, err := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != 3 || !strings.Contains(string(out), "locked by another imgform run") {
		t.Errorf("a process took a lock this one holds: exit %d, %v, %q", code, err, out)
	}

	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if exists(sp + LockSuffix) {
		t.Errorf("the lock file is still there after Release")
	}
	if err := l.Release(); err != nil {
		t.Errorf("a second Release: %v", err)
	}
}

// assertLockFileNames checks that the lock file names its holder.
func assertLockFileNames(t *testing.T, statePath string, want LockInfo) {
	t.Helper()
	data, err := os.ReadFile(statePath + LockSuffix)
	if err != nil {
		t.Fatal(err)
	}
	var got LockInfo
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("the lock file is not JSON: %v\n%s", err, data)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lock file (-want +got):\n%s", diff)
	}
}

func TestForceUnlock(t *testing.T) {
	sp := statePathIn(t)
	lockPath := sp + LockSuffix
	h := startHolder(t, sp)

	tests := []struct {
		name     string
		id       string
		contains string
	}{
		{name: "held by a live process", id: h.id, contains: "held by a running process"},
		{name: "held, another id", id: "0f4b1c1e-0000-4000-8000-000000000000", contains: "does not have the id 0f4b1c1e-0000-4000-8000-000000000000; it is held for"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ForceUnlock(sp, tc.id)
			if err == nil || !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("ForceUnlock: %v; want an error saying %q", err, tc.contains)
			}
			if tc.id != h.id && strings.Contains(err.Error(), h.id) {
				t.Errorf("ForceUnlock with a wrong id told the right one: %v", err)
			}
			if !exists(lockPath) {
				t.Errorf("a refused ForceUnlock removed the lock file")
			}
		})
	}

	h.kill(t)
	t.Run("left behind, another id", func(t *testing.T) {
		if err := ForceUnlock(sp, "wrong"); err == nil || strings.Contains(err.Error(), h.id) || !strings.Contains(err.Error(), "does not have the id wrong") {
			t.Errorf("ForceUnlock with a wrong id: %v; want a refusal that does not tell the right id", err)
		}
		if !exists(lockPath) {
			t.Errorf("a refused ForceUnlock removed the lock file")
		}
	})
	t.Run("left behind", func(t *testing.T) {
		if err := ForceUnlock(sp, strings.ToUpper(h.id)); err != nil {
			t.Fatalf("ForceUnlock of a lock left behind: %v", err)
		}
		if exists(lockPath) {
			t.Errorf("the lock file is still there")
		}
	})
	t.Run("not locked", func(t *testing.T) {
		if err := ForceUnlock(sp, h.id); err == nil || !strings.Contains(err.Error(), "not locked") {
			t.Errorf("ForceUnlock without a lock: %v", err)
		}
	})
	t.Run("a lock file that names nobody", func(t *testing.T) {
		if err := os.WriteFile(lockPath, []byte("garbage"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := ForceUnlock(sp, h.id); err == nil || !strings.Contains(err.Error(), "does not name a holder") {
			t.Errorf("ForceUnlock of an unreadable lock: %v", err)
		}
		if !exists(lockPath) {
			t.Errorf("the lock file was removed")
		}
	})
}

// TestLockAfterRelease: a lock taken and released in turn by processes
// and by this one leaves no file and no obstacle.
func TestLockAfterRelease(t *testing.T) {
	sp := statePathIn(t)
	for i := range 3 {
		h := startHolder(t, sp)
		h.release(t)
		if exists(sp + LockSuffix) {
			t.Fatalf("round %d: the lock file is still there after the holder released it", i)
		}
		l, err := AcquireLock(context.Background(), sp, LockOptions{Operation: "state mv"})
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
		if exists(sp + LockSuffix) {
			t.Fatalf("round %d: the lock file is still there after Release", i)
		}
	}
}
