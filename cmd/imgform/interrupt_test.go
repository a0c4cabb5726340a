package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/waitfor"
)

// Ctrl-C in the middle of an apply: the images in flight finish, the state
// is saved, the exit code is 130; the next apply does the rest without
// generating again what was done. (A Go test rather than a script: a
// script cannot read a background command's exit code.)
func TestApplyInterrupt(t *testing.T) {
	dir := t.TempDir()
	config := `image "frame" {
  count  = 12
  prompt = "frame ${count.index}"
  output = "frames/${count.index}.png"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.img.hcl"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	base, stop, err := launchEmulator(os.Getenv("PATH"), dir, []string{"--latency", "1500ms", "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	run := func() *exec.Cmd {
		cmd := exec.Command("imgform", "-C", dir, "apply", "--auto-approve", "--parallelism", "4")
		cmd.Env = append(os.Environ(), "SEGMIND_BASE_URL="+base, "SEGMIND_API_KEY=test-key", "NO_COLOR=1")
		return cmd
	}
	var out bytes.Buffer
	first := run()
	first.Stdout, first.Stderr = &out, &out
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupted once the four jobs in flight are journaled: what the
	// client recorded, not what the server received.
	waitForJournal(t, dir, 4)
	if err := first.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = first.Wait()
	if code := first.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit code %d after Ctrl-C, want 130 (err %v); output:\n%s", code, err, &out)
	}
	for _, want := range []string{"Apply interrupted. 4 created", "8 changes were not done; run imgform apply again to finish.", "Error: Interrupted."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, &out)
		}
	}
	// The four in flight finished and are in the saved state.
	state, err := os.ReadFile(filepath.Join(dir, "imgform.state.json"))
	if err != nil {
		t.Fatalf("no state after the interrupt: %v", err)
	}
	if n := strings.Count(string(state), `"input_hash"`); n != 4 {
		t.Errorf("the state records %d images after the interrupt, want the 4 that were in flight", n)
	}

	second := run()
	if out, err := second.CombinedOutput(); err != nil {
		t.Fatalf("second apply: %v\n%s", err, out)
	}
	if got := stat(t, base, "generated"); got != 12 {
		t.Errorf("generated %d images in all, want 12: nothing twice", got)
	}
	if got := stat(t, base, "jobs_submitted"); got != 12 {
		t.Errorf("submitted %d jobs in all, want 12", got)
	}
}

func stat(t *testing.T, base, name string) int64 {
	t.Helper()
	resp, err := http.Get(base + "/_emulator/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := json.Unmarshal(stats[name], &n); err != nil {
		t.Fatalf("stats %s: %v", name, err)
	}
	return n
}

// waitForJournal waits until the job journal of the configuration in dir
// holds at least n jobs.
func waitForJournal(t *testing.T, dir string, n int) {
	t.Helper()
	held := 0
	if !waitfor.Until(60*time.Second, func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, ".imgform", "jobs", "*.json"))
		held = len(files)
		return held >= n
	}) {
		t.Fatalf("waited 60s for the journal to hold %d jobs; it holds %d", n, held)
	}
}
