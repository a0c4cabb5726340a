//go:build linux

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// mountTmpfs mounts a small tmpfs on dir for the test: a real filesystem
// that can be filled up or made read-only. It needs root (or
// CAP_SYS_ADMIN); without it the test is skipped, except in CI.
func mountTmpfs(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot mount a tmpfs on %s: %v (CI runs as root)", dir, err)
		}
		t.Skipf("cannot mount a tmpfs (%v): this test needs root to make a real full or read-only disk", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
}

// fill writes a file into dir until the filesystem has no space left.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

const twelveTiles = `image "tile" {
  count  = 12
  prompt = "tile number ${count.index}"
  output = "tiles/${count.index}.png"
}
`

// When the job journal (and the cache beside it) cannot be written, no
// job is submitted: the journal write that precedes every billable
// request fails, so nothing is paid for that a crash could lose.
func TestApplyJournalCannotBeWritten(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"disk full", fill, "no space left on device"},
		{"read-only", func(t *testing.T, dir string) {
			if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
				t.Fatalf("remounting read-only: %v", err)
			}
		}, "read-only file system"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeConfig(t, map[string]string{"main.img.hcl": twelveTiles})
			state := filepath.Join(dir, ".imgform")
			mountTmpfs(t, state)
			tc.setup(t, state)
			base, stop, err := launchEmulator(os.Getenv("PATH"), t.TempDir(), []string{"--latency", "100ms", "--quiet"})
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			env := []string{"SEGMIND_BASE_URL=" + base, "SEGMIND_API_KEY=test-key"}
			out, code := runImgform(t, dir, env, "apply", "--auto-approve", "--parallelism", "1")
			if code != 1 {
				t.Fatalf("exit code %d, want 1:\n%s", code, out)
			}
			for _, want := range []string{"the job journal cannot be written, so no image is submitted", tc.want, "Apply stopped. 0 failed. 0 images generated.", "12 changes were not done"} {
				if !strings.Contains(out, want) {
					t.Errorf("the output lacks %q:\n%s", want, out)
				}
			}
			if got := stat(t, base, "jobs_submitted"); got != 0 {
				t.Errorf("%d jobs submitted, want none: the journal write before the first failed", got)
			}
			if strings.Count(out, "attempt") != 0 {
				t.Errorf("a journal that cannot be written was retried:\n%s", out)
			}
		})
	}
}
