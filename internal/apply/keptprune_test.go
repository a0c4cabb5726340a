package apply

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// cache prune removes the kept copies of runs older than the limit,
// dry or not, and nothing that apply did not name.
func TestPruneKept(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	old, recent := keptRunDir(now.Add(-40*24*time.Hour)), keptRunDir(now.Add(-time.Hour))
	for _, d := range []string{old, recent, ".imgform/kept/someone-elses"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d), "assets"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p, err := PruneKept(dir, DefaultKeptMaxAge, now, true)
	if err != nil || !slices.Equal(p.Removed, []string{old}) || p.Left != 1 {
		t.Fatalf("dry: %+v, %v; want %s to go and one left", p, err, old)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(old))); err != nil {
		t.Fatalf("a dry run removed %s: %v", old, err)
	}
	if p, err = PruneKept(dir, DefaultKeptMaxAge, now, false); err != nil || len(p.Removed) != 1 {
		t.Fatalf("prune: %+v, %v", p, err)
	}
	for d, want := range map[string]bool{old: false, recent: true, ".imgform/kept/someone-elses": true} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(d))); (err == nil) != want {
			t.Errorf("%s there: %v, want %v", d, err == nil, want)
		}
	}
	if p, err := PruneKept(dir, 0, now, false); err != nil || len(p.Removed) != 0 {
		t.Errorf("a limit of 0 pruned %+v, %v", p, err)
	}
}
