package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	planview "github.com/imgform/imgform/internal/view"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/plan"
)

// applyView shows a run as it goes: JSON lines (--json), a live progress
// bar on a terminal, or one plain line per finished image for CI logs.
type applyView interface {
	apply.Events
	// interrupted says at once that the first Ctrl-C was received.
	interrupted()
	// summary ends the run's output.
	summary(s *apply.Summary, err error)
}

// runKind says which command's run a view shows: they say the same
// things in their own words.
type runKind string

const (
	kindApply   runKind = "apply"
	kindPreview runKind = "preview"
)

func newApplyView(e *env, asJSON bool, total int, kind runKind) applyView {
	switch {
	case asJSON:
		return jsonView{planview.NewEventStream(e.stdout)}
	case isTerminal(e.stderr):
		return newProgressView(e, total, kind)
	}
	return &lineView{w: e.stdout, color: e.colorOn(e.stdout), kind: kind}
}

// jsonView is apply --json: the event stream of package view.
type jsonView struct {
	*planview.EventStream
}

func (v jsonView) interrupted() {
	v.Emit(apply.Event{Type: apply.EventWarning, Message: "interrupt received: finishing the images in flight; a second interrupt stops at once, and their jobs stay journaled"})
}

func (v jsonView) summary(s *apply.Summary, err error) { v.Summary(s, err) }

// lineView prints a line for every finished image, failure, retry and
// warning: what a CI log wants.
type lineView struct {
	kind     runKind
	mu       sync.Mutex
	w        io.Writer
	color    bool
	inFlight int
	throttle throttleLines
}

func (v *lineView) Emit(ev apply.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch ev.Type {
	case apply.EventStarted:
		v.inFlight++
	case apply.EventFinished, apply.EventFailed:
		if ev.Source != "" || ev.Type == apply.EventFailed {
			v.inFlight = max(v.inFlight-1, 0)
		}
	}
	line := eventLine(ev, v.color, v.kind)
	if ev.Type == apply.EventThrottled {
		line = v.throttle.line(ev, v.color)
	}
	if line != "" {
		fmt.Fprintln(v.w, line)
	}
}

func (v *lineView) interrupted() {
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintln(v.w, interruptLine(v.inFlight))
}

// interruptLine is what the first Ctrl-C is answered with, at once.
func interruptLine(inFlight int) string {
	return fmt.Sprintf("Interrupt received: finishing %d %s in flight (press Ctrl-C again to stop now; their jobs stay journaled)",
		inFlight, pluralWord(inFlight, "image", "images"))
}

// throttleLines turns the 429s of a burst into one calm line: a new line
// only when the concurrency limit changed or a while has passed.
type throttleLines struct {
	last  time.Time
	limit int
}

func (t *throttleLines) line(ev apply.Event, color bool) string {
	now := time.Now()
	if ev.Concurrency == t.limit && now.Sub(t.last) < 10*time.Second {
		return ""
	}
	t.last, t.limit = now, ev.Concurrency
	return paint(color, fmt.Sprintf("rate limited: waiting %s (concurrency now %d)", roundDuration(ev.Delay), ev.Concurrency), ansiYellow)
}

func (v *lineView) summary(s *apply.Summary, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	writeApplySummary(v.w, s, err, v.color, v.kind)
}

// eventLine is the one line an event is worth in a log, or "".
func eventLine(ev apply.Event, color bool, kind runKind) string {
	switch ev.Type {
	case apply.EventFinished:
		subject := ev.Address
		if ev.Candidate > 0 {
			subject += fmt.Sprintf(" (candidate %d)", ev.Candidate)
		}
		return subject + ": " + finishedPhrase(ev, kind)
	case apply.EventFailed:
		return paint(color, ev.Address+": failed: "+ev.Message, ansiRed)
	case apply.EventRetry:
		subject := ev.Address
		if subject == "" {
			subject = "imgform"
		}
		return paint(color, fmt.Sprintf("%s: attempt %d failed (%s); retrying in %s", subject, ev.Attempt, ev.Message, roundDuration(ev.Delay)), ansiYellow)
	case apply.EventWarning:
		subject := ev.Address
		if subject == "" {
			subject = "imgform"
		}
		return paint(color, subject+": warning: "+ev.Message, ansiYellow)
	case apply.EventResumed:
		return ev.Address + ": resuming request " + shortID(ev.RequestID) + " submitted by an earlier run"
	case apply.EventKept:
		return ev.Address + ": " + ev.Message
	}
	return ""
}

var pastTense = map[plan.Action]string{
	plan.Create:  "created",
	plan.Replace: "replaced",
	plan.Move:    "moved",
	plan.Restore: "restored",
	plan.Delete:  "deleted",
	plan.Derive:  "variants derived",
}

func finishedPhrase(ev apply.Event, kind runKind) string {
	p := imagePhrase(ev, kind)
	if ev.Variants > 0 && ev.Action != plan.Derive {
		p += fmt.Sprintf("; %d %s derived", ev.Variants, pluralWord(ev.Variants, "variant", "variants"))
	}
	return p
}

// imagePhrase says how a finished change got its image.
func imagePhrase(ev apply.Event, kind runKind) string {
	verb := pastTense[ev.Action]
	if kind == kindPreview {
		verb = "previewed"
	}
	switch ev.Source {
	case "cache":
		return verb + " from the cache"
	case "offline":
		return verb + " (offline placeholder)"
	case "disk":
		return verb + " from the image in its output"
	case "api", "resumed":
		p := fmt.Sprintf("%s in %s", verb, roundDuration(ev.Duration))
		if ev.RequestID != "" {
			kind := "request"
			if ev.Source == "resumed" {
				kind = "resumed request"
			}
			p += fmt.Sprintf(" (%s %s)", kind, shortID(ev.RequestID))
		}
		return p
	}
	return verb
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}

func roundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// writeApplySummary ends a run: what was done, what failed and why.
func writeApplySummary(w io.Writer, s *apply.Summary, err error, color bool, kind runKind) {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(s.Created, "created")
	add(s.Replaced, "replaced")
	add(s.Moved, "moved")
	add(s.Restored, "restored")
	add(s.Deleted, "deleted")
	if s.Derived > 0 {
		parts = append(parts, fmt.Sprintf("%d %s derived", s.Derived, pluralWord(s.Derived, "variant", "variants")))
	}
	if s.FromCache > 0 {
		parts = append(parts, fmt.Sprintf("%d from the cache", s.FromCache))
	}
	if s.Resumed > 0 {
		parts = append(parts, fmt.Sprintf("%d from resumed jobs", s.Resumed))
	}
	if s.Collected > 0 {
		parts = append(parts, fmt.Sprintf("%d earlier %s collected into the cache", s.Collected, pluralWord(s.Collected, "job", "jobs")))
	}
	parts = append(parts, fmt.Sprintf("%d failed", len(s.Failed)))
	name := "Apply"
	if kind == kindPreview {
		name = "Preview"
	}
	head := name + " complete!"
	switch {
	case err != nil && s.Interrupted:
		head = name + " interrupted."
	case err != nil:
		head = name + " stopped."
	case len(s.Failed) > 0:
		head = name + " finished with errors."
	}
	headColor := ansiGreen
	if err != nil || len(s.Failed) > 0 {
		headColor = ansiRed
	}
	generated := fmt.Sprintf("%d %s generated", s.Generated, pluralWord(s.Generated, "image", "images"))
	if s.SpentUSD > 0 {
		generated += fmt.Sprintf(" for $%.3f", s.SpentUSD)
	}
	if s.Rendered > 0 {
		generated += fmt.Sprintf(", %d offline %s rendered", s.Rendered, pluralWord(s.Rendered, "placeholder", "placeholders"))
	}
	fmt.Fprintf(w, "\n%s %s. %s.\n", paint(color, head, ansiBold, headColor), strings.Join(parts, ", "), generated)
	if s.PossiblyBilled > 0 {
		fmt.Fprintf(w, "%s: the API received %s but gave no usable answer (a 5xx, a lost connection), so it may have made and billed %s. No image was sent more than twice; check the usage in your Segmind account.\n",
			paint(color, fmt.Sprintf("%d %s possibly billed (up to $%.3f)", s.PossiblyBilled, pluralWord(s.PossiblyBilled, "request", "requests"), s.PossiblyBilledUSD), ansiYellow),
			pluralWord(s.PossiblyBilled, "it", "them"), pluralWord(s.PossiblyBilled, "an image", "images"))
	}
	if s.Uploaded > 0 {
		fmt.Fprintf(w, "Uploaded %d %s to the team cache that an earlier run kept here.\n", s.Uploaded, pluralWord(s.Uploaded, "image", "images"))
	}
	if s.Committed > 0 {
		fmt.Fprintf(w, "%d %s made from changes not committed then took the commit that holds them now.\n", s.Committed, pluralWord(s.Committed, "image", "images"))
	}
	if s.Refreshed > 0 {
		fmt.Fprintf(w, "%d unchanged %s had a new modification time; it is kept in .imgform/stat.json, not the state.\n", s.Refreshed, pluralWord(s.Refreshed, "output", "outputs"))
	}
	if s.Kept > 0 {
		fmt.Fprintf(w, "%d %s not as imgform wrote %s (edited by hand?): %s kept in %s/ before being written over.\n",
			s.Kept, pluralWord(s.Kept, "file was", "files were"), pluralWord(s.Kept, "it", "them"), pluralWord(s.Kept, "it is", "they are"), s.KeptIn)
	}
	if s.Lost > 0 {
		fmt.Fprintf(w, "%d submitted %s lost by the server (unknown to it, or expired): %s dropped from the journal, and %s submitted again (and paid for again) by the run that needs %s.\n",
			s.Lost, pluralWord(s.Lost, "job was", "jobs were"), pluralWord(s.Lost, "it is", "they are"), pluralWord(s.Lost, "its image is", "their images are"), pluralWord(s.Lost, "it", "them"))
	}
	if s.Journaled > 0 {
		fmt.Fprintf(w, "%d submitted %s not finished and journaled: the next imgform apply picks %s up without paying again.\n",
			s.Journaled, pluralWord(s.Journaled, "job is", "jobs are"), pluralWord(s.Journaled, "it", "them"))
	}
	if s.StaleRecords > 0 {
		fmt.Fprintf(w, "%d finished %s still in the journal, which could not be updated: %s in the cache, and the next imgform apply drops %s.\n",
			s.StaleRecords, pluralWord(s.StaleRecords, "job is", "jobs are"), pluralWord(s.StaleRecords, "its image is", "their images are"), pluralWord(s.StaleRecords, "the record", "the records"))
	}
	if len(s.Unjournaled) > 0 {
		fmt.Fprintf(w, "%s: the journal could not be written when %s submitted, and %s not finish in this run: %s for, and no later run knows of %s (request %s %s).\n",
			paint(color, fmt.Sprintf("%d submitted %s not journaled", len(s.Unjournaled), pluralWord(len(s.Unjournaled), "job is", "jobs are")), ansiYellow),
			pluralWord(len(s.Unjournaled), "it was", "they were"), pluralWord(len(s.Unjournaled), "did", "they did"),
			pluralWord(len(s.Unjournaled), "it is paid", "they are paid"), pluralWord(len(s.Unjournaled), "it", "them"),
			pluralWord(len(s.Unjournaled), "id", "ids"), strings.Join(s.Unjournaled, ", "))
	}
	if s.EarlierPossiblyBilled > 0 {
		fmt.Fprintf(w, "%s by an earlier run that stopped while sending %s, before the API gave a job id: check the usage in your Segmind account.\n",
			paint(color, fmt.Sprintf("%d %s possibly billed", s.EarlierPossiblyBilled, pluralWord(s.EarlierPossiblyBilled, "request", "requests")), ansiYellow),
			pluralWord(s.EarlierPossiblyBilled, "it", "them"))
	}
	if s.NotStarted > 0 {
		fmt.Fprintf(w, "%d %s not done; run imgform %s again to finish.\n", s.NotStarted, pluralWord(s.NotStarted, "change was", "changes were"), kind)
	}
	if len(s.Failed) > 0 {
		fmt.Fprintf(w, "\nFailed:\n")
		for _, f := range s.Failed {
			fmt.Fprintf(w, "  %s: %s\n", f.Address, f.Reason)
		}
	}
}
