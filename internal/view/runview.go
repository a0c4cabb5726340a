package view

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/plan"
)

// RunView shows a run as it goes: JSON lines (--json), a live progress
// bar on a terminal, or one plain line per finished image for CI logs.
type RunView interface {
	apply.Events
	// Interrupted says at once that the first Ctrl-C was received.
	Interrupted()
	// Summary ends the run's output.
	Summary(s *apply.Summary, err error)
}

// RunKind says which command's run a view shows: they say the same
// things in their own words.
type RunKind string

const (
	KindApply   RunKind = "apply"
	KindPreview RunKind = "preview"
)

// RunOutput is where a run's view writes, and how.
type RunOutput struct {
	Stdout, Stderr io.Writer
	// JSON asks for the event stream (--json).
	JSON bool
	// StdoutColor and StderrColor allow ANSI colour on each.
	StdoutColor, StderrColor bool
}

// NewRunView returns the view of a run for o: its JSON events, or a line
// per image. (A terminal's live progress bar is package view/progress,
// which links what this package may not.)
func NewRunView(o RunOutput, kind RunKind) RunView {
	switch {
	case o.JSON:
		return jsonView{NewEventStream(o.Stdout)}
	}
	return &lineView{w: o.Stdout, color: o.StdoutColor, kind: kind}
}

// jsonView is apply --json: the event stream.
type jsonView struct {
	*EventStream
}

func (v jsonView) Interrupted() {
	v.Emit(apply.Event{Type: apply.EventWarning, Message: "interrupt received: finishing the images in flight; a second interrupt stops at once, and their jobs stay journaled"})
}

// lineView prints a line for every finished image, failure, retry and
// warning: what a CI log wants.
type lineView struct {
	kind     RunKind
	mu       sync.Mutex
	w        io.Writer
	color    bool
	inFlight int
	throttle ThrottleLines
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
	line := EventLine(ev, v.color, v.kind)
	if ev.Type == apply.EventThrottled {
		line = v.throttle.Line(ev, v.color)
	}
	if line != "" {
		fmt.Fprintln(v.w, line)
	}
}

func (v *lineView) Interrupted() {
	v.mu.Lock()
	defer v.mu.Unlock()
	fmt.Fprintln(v.w, InterruptLine(v.inFlight))
}

// InterruptLine is what the first Ctrl-C is answered with, at once.
func InterruptLine(inFlight int) string {
	return fmt.Sprintf("Interrupt received: finishing %d %s in flight (press Ctrl-C again to stop now; their jobs stay journaled)",
		inFlight, pickVerb(inFlight, "image", "images"))
}

// ThrottleLines turns the 429s of a burst into one calm line: a new line
// only when the concurrency limit changed or a while has passed.
type ThrottleLines struct {
	last  time.Time
	limit int
}

func (t *ThrottleLines) Line(ev apply.Event, color bool) string {
	now := time.Now()
	if ev.Concurrency == t.limit && now.Sub(t.last) < 10*time.Second {
		return ""
	}
	t.last, t.limit = now, ev.Concurrency
	return paint(color, fmt.Sprintf("rate limited: waiting %s (concurrency now %d)", RoundDuration(ev.Delay), ev.Concurrency), ansiYellow)
}

func (v *lineView) Summary(s *apply.Summary, err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	WriteRunSummary(v.w, s, err, v.color, v.kind)
}

// EventLine is the one line an event is worth in a log, or "".
func EventLine(ev apply.Event, color bool, kind RunKind) string {
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
		return paint(color, fmt.Sprintf("%s: attempt %d failed (%s); retrying in %s", subject, ev.Attempt, ev.Message, RoundDuration(ev.Delay)), ansiYellow)
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

func finishedPhrase(ev apply.Event, kind RunKind) string {
	p := imagePhrase(ev, kind)
	if ev.Variants > 0 && ev.Action != plan.Derive {
		p += fmt.Sprintf("; %d %s derived", ev.Variants, pickVerb(ev.Variants, "variant", "variants"))
	}
	return p
}

// imagePhrase says how a finished change got its image.
func imagePhrase(ev apply.Event, kind RunKind) string {
	verb := pastTense[ev.Action]
	if kind == KindPreview {
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
		p := fmt.Sprintf("%s in %s", verb, RoundDuration(ev.Duration))
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

// RoundDuration rounds a duration for people: to the millisecond below
// a second, to a tenth of a second above.
func RoundDuration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// WriteRunSummary ends a run: what was done, what failed and why.
func WriteRunSummary(w io.Writer, s *apply.Summary, err error, color bool, kind RunKind) {
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
		parts = append(parts, fmt.Sprintf("%d %s derived", s.Derived, pickVerb(s.Derived, "variant", "variants")))
	}
	if s.FromCache > 0 {
		parts = append(parts, fmt.Sprintf("%d from the cache", s.FromCache))
	}
	if s.Resumed > 0 {
		parts = append(parts, fmt.Sprintf("%d from resumed jobs", s.Resumed))
	}
	if s.Collected > 0 {
		parts = append(parts, fmt.Sprintf("%d earlier %s collected into the cache", s.Collected, pickVerb(s.Collected, "job", "jobs")))
	}
	parts = append(parts, fmt.Sprintf("%d failed", len(s.Failed)))
	name := "Apply"
	if kind == KindPreview {
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
	generated := fmt.Sprintf("%d %s generated", s.Generated, pickVerb(s.Generated, "image", "images"))
	if s.SpentUSD > 0 {
		generated += fmt.Sprintf(" for $%.3f", s.SpentUSD)
	}
	if s.Rendered > 0 {
		generated += fmt.Sprintf(", %d offline %s rendered", s.Rendered, pickVerb(s.Rendered, "placeholder", "placeholders"))
	}
	fmt.Fprintf(w, "\n%s %s. %s.\n", paint(color, head, ansiBold, headColor), strings.Join(parts, ", "), generated)
	if s.PossiblyBilled > 0 {
		fmt.Fprintf(w, "%s: the API received %s but gave no usable answer (a 5xx, a lost connection), so it may have made and billed %s. No image was sent more than twice; check the usage in your Segmind account.\n",
			paint(color, fmt.Sprintf("%d %s possibly billed (up to $%.3f)", s.PossiblyBilled, pickVerb(s.PossiblyBilled, "request", "requests"), s.PossiblyBilledUSD), ansiYellow),
			pickVerb(s.PossiblyBilled, "it", "them"), pickVerb(s.PossiblyBilled, "an image", "images"))
	}
	if s.Uploaded > 0 {
		fmt.Fprintf(w, "Uploaded %d %s to the team cache that an earlier run kept here.\n", s.Uploaded, pickVerb(s.Uploaded, "image", "images"))
	}
	if s.Committed > 0 {
		fmt.Fprintf(w, "%d %s made from changes not committed then took the commit that holds them now.\n", s.Committed, pickVerb(s.Committed, "image", "images"))
	}
	if s.Refreshed > 0 {
		fmt.Fprintf(w, "%d unchanged %s had a new modification time; it is kept in .imgform/stat.json, not the state.\n", s.Refreshed, pickVerb(s.Refreshed, "output", "outputs"))
	}
	if s.Kept > 0 {
		fmt.Fprintf(w, "%d %s not as imgform wrote %s (edited by hand?): %s kept in %s/ before being written over.\n",
			s.Kept, pickVerb(s.Kept, "file was", "files were"), pickVerb(s.Kept, "it", "them"), pickVerb(s.Kept, "it is", "they are"), s.KeptIn)
	}
	if s.Lost > 0 {
		fmt.Fprintf(w, "%d submitted %s lost by the server (unknown to it, or expired): %s dropped from the journal, and %s submitted again (and paid for again) by the run that needs %s.\n",
			s.Lost, pickVerb(s.Lost, "job was", "jobs were"), pickVerb(s.Lost, "it is", "they are"), pickVerb(s.Lost, "its image is", "their images are"), pickVerb(s.Lost, "it", "them"))
	}
	if s.Journaled > 0 {
		fmt.Fprintf(w, "%d submitted %s not finished and journaled: the next imgform apply picks %s up without paying again.\n",
			s.Journaled, pickVerb(s.Journaled, "job is", "jobs are"), pickVerb(s.Journaled, "it", "them"))
	}
	if s.StaleRecords > 0 {
		fmt.Fprintf(w, "%d finished %s still in the journal, which could not be updated: %s in the cache, and the next imgform apply drops %s.\n",
			s.StaleRecords, pickVerb(s.StaleRecords, "job is", "jobs are"), pickVerb(s.StaleRecords, "its image is", "their images are"), pickVerb(s.StaleRecords, "the record", "the records"))
	}
	if len(s.Unjournaled) > 0 {
		fmt.Fprintf(w, "%s: the journal could not be written when %s submitted, and %s not finish in this run: %s for, and no later run knows of %s (request %s %s).\n",
			paint(color, fmt.Sprintf("%d submitted %s not journaled", len(s.Unjournaled), pickVerb(len(s.Unjournaled), "job is", "jobs are")), ansiYellow),
			pickVerb(len(s.Unjournaled), "it was", "they were"), pickVerb(len(s.Unjournaled), "did", "they did"),
			pickVerb(len(s.Unjournaled), "it is paid", "they are paid"), pickVerb(len(s.Unjournaled), "it", "them"),
			pickVerb(len(s.Unjournaled), "id", "ids"), strings.Join(s.Unjournaled, ", "))
	}
	if s.EarlierPossiblyBilled > 0 {
		fmt.Fprintf(w, "%s by an earlier run that stopped while sending %s, before the API gave a job id: check the usage in your Segmind account.\n",
			paint(color, fmt.Sprintf("%d %s possibly billed", s.EarlierPossiblyBilled, pickVerb(s.EarlierPossiblyBilled, "request", "requests")), ansiYellow),
			pickVerb(s.EarlierPossiblyBilled, "it", "them"))
	}
	if s.NotStarted > 0 {
		fmt.Fprintf(w, "%d %s not done; run imgform %s again to finish.\n", s.NotStarted, pickVerb(s.NotStarted, "change was", "changes were"), kind)
	}
	if len(s.Failed) > 0 {
		fmt.Fprintf(w, "\nFailed:\n")
		for _, f := range s.Failed {
			fmt.Fprintf(w, "  %s: %s\n", f.Address, f.Reason)
		}
	}
}
