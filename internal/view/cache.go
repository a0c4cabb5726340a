package view

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/state"
)

// CopiedLine says what a cache push (or pull) did with one entry, of the
// image at addr ("" when unknown); "" for an entry that was there
// already.
func CopiedLine(c cache.Copied, addr string, push bool) string {
	what := addr
	if what == "" && c.Entry != nil {
		what = c.Entry.Address
	}
	if what == "" {
		what = c.Hash.Short()
	}
	switch c.Outcome {
	case cache.CopyDone:
		verb := "downloaded"
		if push {
			verb = "uploaded"
		}
		return fmt.Sprintf("%s %s (%s)", verb, what, humanSize(c.Entry.Size()))
	case cache.CopyMissing:
		if push {
			return fmt.Sprintf("%s: not in this machine's cache", what)
		}
		return fmt.Sprintf("%s: not in the shared cache", what)
	case cache.CopyDamaged:
		return fmt.Sprintf("%s: skipped, %v", what, c.Err)
	}
	return ""
}

// CopySummary is the line that ends a cache push or pull.
func CopySummary(s cache.CopySummary, push bool) string {
	verb, where := "Downloaded", "here"
	if push {
		verb, where = "Uploaded", "there"
	}
	parts := []string{fmt.Sprintf("%s %d %s", verb, s.Done, Plural(s.Done, "entry", "entries")), fmt.Sprintf("%d already %s", s.There, where)}
	if s.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing", s.Missing))
	}
	if s.Damaged > 0 {
		parts = append(parts, fmt.Sprintf("%d damaged, skipped", s.Damaged))
	}
	return strings.Join(parts, ", ") + ", " + humanSize(s.Bytes) + "."
}

// CacheEntry names a cache entry for people: the image that asked for
// it, its size, and its input hash.
func CacheEntry(h state.Hash, e *cache.Entry) string {
	switch {
	case e == nil:
		return fmt.Sprintf("%s (an incomplete entry)", h.Short())
	case e.Address == "":
		return fmt.Sprintf("%s (%s, made before addresses were recorded)", h.Short(), humanSize(e.Size()))
	}
	return fmt.Sprintf("%s (%s, input hash %s)", e.Address, humanSize(e.Size()), h.Short())
}

// humanSize is a size in bytes for people: 1.2 MB.
func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// PruneLine is the line that ends a prune of one store: what it removed
// (or would, dryRun) of total entries; where names the store when there
// are several ("" otherwise).
func PruneLine(removed, total int, where string, dryRun bool) string {
	verb := "Removed"
	if dryRun {
		verb = "Would remove"
	}
	if where != "" {
		where = " in " + where
	}
	return fmt.Sprintf("%s %d of %d cached %s%s; %d in use by the state.", verb, removed, total, Plural(total, "entry", "entries"), where, total-removed)
}

// WriteKeptPruned writes what a prune of the copies apply kept did (or
// would, dryRun): a line per run folder, then, when it went through
// (failed is nil) and there were any, a count.
func WriteKeptPruned(w io.Writer, p apply.KeptPrune, maxAge time.Duration, dryRun bool, failed error) {
	verb, done := "removed", "Removed"
	if dryRun {
		verb, done = "would remove", "Would remove"
	}
	for _, what := range p.Removed {
		fmt.Fprintf(w, "%s the copies kept in %s/\n", verb, what)
	}
	if n := len(p.Removed) + p.Left; n > 0 && failed == nil {
		fmt.Fprintf(w, "%s %d of %d %s of kept copies (older than %s); %d left.\n", done, len(p.Removed), n, Plural(n, "run", "runs"), roughAge(maxAge), p.Left)
	}
}

// roughAge is a duration for people: "30 days", "12h0m0s".
func roughAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		days := int(d / (24 * time.Hour))
		return fmt.Sprintf("%d %s", days, Plural(days, "day", "days"))
	}
	return d.String()
}
