package main

import (
	"fmt"
	"time"

	"github.com/imgform/imgform/internal/apply"
)

// pruneKept removes the copies apply kept in .imgform/kept/ of runs older
// than maxAge (see apply.PruneKept), and says what it did.
func pruneKept(e *env, dir string, maxAge time.Duration, now time.Time, dryRun bool) error {
	p, err := apply.PruneKept(dir, maxAge, now, dryRun)
	verb, done := "removed", "Removed"
	if dryRun {
		verb, done = "would remove", "Would remove"
	}
	for _, what := range p.Removed {
		fmt.Fprintf(e.stdout, "%s the copies kept in %s/\n", verb, what)
	}
	if err != nil {
		return err
	}
	if n := len(p.Removed) + p.Left; n > 0 {
		fmt.Fprintf(e.stdout, "%s %d of %d %s of kept copies (older than %s); %d left.\n", done, len(p.Removed), n, pluralWord(n, "run", "runs"), roughAge(maxAge), p.Left)
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
