package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/imgform/imgform/internal/plan"
)

// DefaultKeptMaxAge is how long the copies apply keeps in .imgform/kept/
// are left by cache prune: 30 days, time enough to notice an edit that
// was written over.
const DefaultKeptMaxAge = 30 * 24 * time.Hour

// keptRunLayout is how a run's folder under plan.KeptDir is named: the
// time the run began, in UTC.
const keptRunLayout = "2006-01-02T150405Z"

// keptRunDir is the folder of the copies a run that began at now keeps.
func keptRunDir(now time.Time) string {
	return path.Join(plan.KeptDir, now.UTC().Format(keptRunLayout))
}

// KeptPrune is what PruneKept did, or would do.
type KeptPrune struct {
	// Removed are the run folders removed (or, dry, to remove), as
	// slash-separated paths from the configuration directory.
	Removed []string
	// Left counts the run folders young enough to stay.
	Left int
}

// PruneKept removes the run folders of .imgform/kept in dir whose run
// began more than maxAge before now (0 removes none; dry removes none
// and says what it would). Only folders named as apply names them are
// looked at: whatever else is there is someone's.
func PruneKept(dir string, maxAge time.Duration, now time.Time, dry bool) (KeptPrune, error) {
	var out KeptPrune
	if maxAge <= 0 {
		return out, nil
	}
	kept := filepath.Join(dir, filepath.FromSlash(plan.KeptDir))
	runs, err := os.ReadDir(kept)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("reading %s: %w", plan.KeptDir, err)
	}
	for _, run := range runs {
		made, err := time.Parse(keptRunLayout, run.Name())
		if !run.IsDir() || err != nil {
			continue
		}
		if now.Sub(made) <= maxAge {
			out.Left++
			continue
		}
		what := path.Join(plan.KeptDir, run.Name())
		if !dry {
			if err := os.RemoveAll(filepath.Join(kept, run.Name())); err != nil {
				return out, fmt.Errorf("removing %s: %w", what, err)
			}
		}
		out.Removed = append(out.Removed, what)
	}
	return out, nil
}
