package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/view"
)

// redrawEvery is how often the progress line is redrawn on a terminal, so
// that a slow queue shows time passing rather than looking hung.
const redrawEvery = 200 * time.Millisecond

// progressView is a live progress bar on a terminal (stderr): a status
// line redrawn several times a second (elapsed time, images in flight and
// submitted, done, from the cache, failed, spend so far and a labelled
// ETA), with a line per finished image, failure, retry and warning
// printed above it, so that the screen at the end tells what happened.
type progressView struct {
	kind     view.RunKind
	mu       sync.Mutex
	w        io.Writer // stderr, where the bar is
	out      io.Writer // stdout, for the summary
	outColor bool
	color    bool
	bar      *progressbar.ProgressBar
	start    time.Time
	total    int

	done, inFlight, submitted, cached, failed int
	spent                                     float64
	throttle                                  view.ThrottleLines
	stop                                      chan struct{}
	stopped                                   chan struct{}
}

// New returns the progress view of a run of total changes: the bar on
// o.Stderr, the summary on o.Stdout.
func New(o view.RunOutput, total int, kind view.RunKind) view.RunView {
	v := &progressView{kind: kind, w: o.Stderr, color: o.StderrColor, out: o.Stdout, outColor: o.StdoutColor,
		start: time.Now(), total: total, stop: make(chan struct{}), stopped: make(chan struct{})}
	v.bar = progressbar.NewOptions(max(total, 1),
		progressbar.OptionSetWriter(o.Stderr),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(redrawEvery/2),
		progressbar.OptionEnableColorCodes(v.color),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetDescription(v.status()),
	)
	go v.redraw()
	return v
}

// redraw refreshes the status line on a timer until the summary.
func (v *progressView) redraw() {
	defer close(v.stopped)
	t := time.NewTicker(redrawEvery)
	defer t.Stop()
	for {
		select {
		case <-v.stop:
			return
		case <-t.C:
			v.mu.Lock()
			v.bar.Describe(v.status())
			v.mu.Unlock()
		}
	}
}

// status is the line beside the bar. The caller holds v.mu (or owns v).
func (v *progressView) status() string {
	elapsed := time.Since(v.start)
	parts := []string{
		fmt.Sprintf("%d in flight (%d submitted)", v.inFlight, v.submitted),
		fmt.Sprintf("%d from cache", v.cached),
		fmt.Sprintf("%d failed", v.failed),
		fmt.Sprintf("$%.3f spent", v.spent),
		"elapsed " + view.RoundDuration(elapsed.Truncate(100*time.Millisecond)),
	}
	if eta := v.eta(elapsed); eta != "" {
		parts = append(parts, eta)
	}
	return strings.Join(parts, " · ")
}

// eta estimates the time left from the pace so far, once something is done.
func (v *progressView) eta(elapsed time.Duration) string {
	left := v.total - v.done
	switch {
	case left <= 0:
		return ""
	case v.done == 0:
		return "ETA unknown yet"
	}
	per := elapsed / time.Duration(v.done)
	return "ETA ~" + view.RoundDuration((per * time.Duration(left)).Round(time.Second))
}

// above prints a line above the bar, which is drawn again below it.
func (v *progressView) above(line string) {
	v.bar.Clear()
	fmt.Fprintln(v.w, line)
	v.bar.Describe(v.status())
}

func (v *progressView) Emit(ev apply.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	line := view.EventLine(ev, v.color, v.kind)
	switch ev.Type {
	case apply.EventStarted:
		v.inFlight++
	case apply.EventSubmitted, apply.EventResumed:
		v.submitted++
	case apply.EventCacheHit:
		v.cached++
	case apply.EventThrottled:
		line = v.throttle.Line(ev, v.color)
	case apply.EventFinished:
		if ev.Source != "" {
			v.inFlight = max(v.inFlight-1, 0)
		}
		if ev.Source == "api" || ev.Source == "resumed" {
			v.submitted = max(v.submitted-1, 0)
		}
		v.spent += ev.CostUSD
		v.done++
	case apply.EventFailed:
		v.inFlight = max(v.inFlight-1, 0)
		if ev.RequestID != "" {
			v.submitted = max(v.submitted-1, 0)
		}
		v.failed++
		v.done++
	}
	if line != "" {
		v.bar.Clear()
		fmt.Fprintln(v.w, line)
	}
	// The count and the line beside the bar change together.
	v.bar.Describe(v.status())
	if ev.Type == apply.EventFinished || ev.Type == apply.EventFailed {
		v.bar.Add(1)
	}
}

func (v *progressView) Interrupted() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.above(view.InterruptLine(v.inFlight))
}

func (v *progressView) Summary(s *apply.Summary, err error) {
	close(v.stop)
	<-v.stopped
	v.mu.Lock()
	defer v.mu.Unlock()
	if err == nil && !s.Interrupted && v.done >= v.total {
		v.bar.Finish()
		fmt.Fprintln(v.w)
	} else {
		// Stopped early: the bar stays where it got to, not at 100%.
		v.bar.Clear()
		v.total = v.done // no time is left to estimate
		fmt.Fprintf(v.w, "Stopped at %d of %d: %s\n", v.done, max(v.bar.GetMax(), v.done), v.status())
	}
	// The summary goes to stdout, as it does without a terminal.
	view.WriteRunSummary(v.out, s, err, v.outColor, v.kind)
}
