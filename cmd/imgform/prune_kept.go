package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/imgform/imgform/internal/plan"
)

// defaultKeptMaxAge is how long cache prune leaves the copies apply kept
// in .imgform/kept/: 30 days, time enough to notice an edit that was
// written over (each run's copies are in a folder named by its time).
const defaultKeptMaxAge = 30 * 24 * time.Hour

// keptRunLayout is how apply names a run's folder under .imgform/kept.
const keptRunLayout = "2006-01-02T150405Z"

// pruneKept removes the run folders of .imgform/kept (in dir) older than
// maxAge at now; 0 removes none. Only folders named as apply names them
// are looked at: whatever else is there is someone's.
func pruneKept(e *env, dir string, maxAge time.Duration, now time.Time, dryRun bool) error {
	if maxAge <= 0 {
		return nil
	}
	kept := filepath.Join(dir, filepath.FromSlash(plan.KeptDir))
	runs, err := os.ReadDir(kept)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", plan.KeptDir, err)
	}
	removed, left := 0, 0
	for _, run := range runs {
		made, err := time.Parse(keptRunLayout, run.Name())
		if !run.IsDir() || err != nil {
			continue
		}
		if now.Sub(made) <= maxAge {
			left++
			continue
		}
		what := filepath.ToSlash(filepath.Join(plan.KeptDir, run.Name()))
		if dryRun {
			fmt.Fprintf(e.stdout, "would remove the copies kept in %s/\n", what)
		} else {
			if err := os.RemoveAll(filepath.Join(kept, run.Name())); err != nil {
				return fmt.Errorf("removing %s: %w", what, err)
			}
			fmt.Fprintf(e.stdout, "removed the copies kept in %s/\n", what)
		}
		removed++
	}
	if removed+left > 0 {
		verb := "Removed"
		if dryRun {
			verb = "Would remove"
		}
		fmt.Fprintf(e.stdout, "%s %d of %d %s of kept copies (older than %s); %d left.\n", verb, removed, removed+left, pluralWord(removed+left, "run", "runs"), roughAge(maxAge), left)
	}
	return nil
}

// roughAge is a duration for people: "30 days", "12h0m0s".
func roughAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		days := int(d / (24 * time.Hour))
		return fmt.Sprintf("%d %s", days, pluralWord(days, "day", "days"))
	}
	return d.String()
}
