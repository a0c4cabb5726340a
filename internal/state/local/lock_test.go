package local

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/backendtest"
)

// stateEnv names the state file a holder process opens.
const stateEnv = "IMGFORM_TEST_STATE_PATH"

func TestMain(m *testing.M) {
	backendtest.ServeHolder(func() (state.Backend, error) { return Open(os.Getenv(stateEnv)), nil })
	os.Exit(m.Run())
}

// The state file backend is a state.Backend.
func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backendtest.Workspace {
		sp := statePathIn(t)
		return backendtest.Workspace{
			Open: func(*testing.T) state.Backend { return Open(sp) },
			Env:  []string{stateEnv + "=" + sp},
		}
	})
}

func statePathIn(t *testing.T) string {
	return filepath.Join(t.TempDir(), "imgform.state.json")
}

func holderEnv(sp string) []string { return []string{stateEnv + "=" + sp} }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// The lock is a file beside the state that names its holder while it is
// held, and is gone once it is let go.
func TestLockFile(t *testing.T) {
	sp := statePathIn(t)
	for i := range 3 {
		h := backendtest.StartHolder(t, holderEnv(sp))
		if info := readLockFile(sp + LockSuffix); info == nil || info.ID != h.ID || info.PID != h.PID {
			t.Fatalf("round %d: the lock file does not name the holder: %+v", i, info)
		}
		h.Release(t)
		if exists(sp + LockSuffix) {
			t.Fatalf("round %d: the lock file is still there after the holder released it", i)
		}
		l, err := Open(sp).Lock(context.Background(), state.LockOptions{Operation: "state mv"})
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		assertLockFileNames(t, sp, l.Info())
		if err := l.Unlock(); err != nil {
			t.Fatal(err)
		}
		if exists(sp + LockSuffix) {
			t.Fatalf("round %d: the lock file is still there after Unlock", i)
		}
	}
}

// assertLockFileNames checks that the lock file names its holder.
func assertLockFileNames(t *testing.T, statePath string, want state.LockInfo) {
	t.Helper()
	data, err := os.ReadFile(statePath + LockSuffix)
	if err != nil {
		t.Fatal(err)
	}
	var got state.LockInfo
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("the lock file is not JSON: %v\n%s", err, data)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lock file (-want +got):\n%s", diff)
	}
}

// A killed holder leaves its lock file, which blocks nobody, and which
// force-unlock removes given its id (in any case), and only then.
func TestForceUnlockLeftBehind(t *testing.T) {
	sp := statePathIn(t)
	lockPath := sp + LockSuffix
	b := Open(sp)
	h := backendtest.StartHolder(t, holderEnv(sp))
	var alive *state.HolderAliveError
	if err := b.ForceUnlock(t.Context(), h.ID, state.ForceOptions{}); !errors.As(err, &alive) || !strings.Contains(err.Error(), "still holds the lock file") {
		t.Errorf("ForceUnlock of a live holder: %v", err)
	}
	h.Kill(t)
	if info := readLockFile(lockPath); info == nil || info.ID != h.ID {
		t.Fatalf("the lock file does not name the killed holder: %+v", info)
	}
	if err := b.ForceUnlock(t.Context(), "wrong", state.ForceOptions{}); err == nil || strings.Contains(err.Error(), h.ID) || !strings.Contains(err.Error(), "does not have the id wrong") {
		t.Errorf("ForceUnlock with a wrong id: %v; want a refusal that does not tell the right id", err)
	}
	if !exists(lockPath) {
		t.Errorf("a refused ForceUnlock removed the lock file")
	}
	if err := b.ForceUnlock(t.Context(), strings.ToUpper(h.ID), state.ForceOptions{}); err != nil {
		t.Fatalf("ForceUnlock of a lock left behind: %v", err)
	}
	if exists(lockPath) {
		t.Errorf("the lock file is still there")
	}
	if err := b.ForceUnlock(t.Context(), h.ID, state.ForceOptions{}); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("ForceUnlock without a lock: %v", err)
	}
	if err := os.WriteFile(lockPath, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.ForceUnlock(t.Context(), h.ID, state.ForceOptions{}); err == nil || !strings.Contains(err.Error(), "does not name a holder") {
		t.Errorf("ForceUnlock of an unreadable lock: %v", err)
	}
	if !exists(lockPath) {
		t.Errorf("the lock file was removed")
	}
}
