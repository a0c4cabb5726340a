package apply

import (
	"log/slog"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/plan"
)

// report is what a run tells as it goes: its events, to Options.Events
// and to the log, and its summary, which the workers add to at once.
type report struct {
	events Events       // nil: nobody listens
	log    *slog.Logger // Options.Log, or one that discards

	mu      sync.Mutex
	summary *Summary
}

func (p *report) emit(e Event) {
	p.logEvent(e)
	if p.events != nil {
		p.events.Emit(e)
	}
}

// count updates the summary.
func (p *report) count(fn func(s *Summary)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p.summary)
}

// fail lists a change that failed on its own, and says so.
func (p *report) fail(c *plan.Change, err error) {
	reason := err.Error()
	p.count(func(s *Summary) { s.Failed = append(s.Failed, Failure{Address: c.Address, Reason: reason}) })
	p.emit(Event{Type: EventFailed, Address: c.Address, Action: c.Action, Message: reason})
}

// finished counts a change that is done, by where its images came from,
// and says so; changed says whether it changed anything (a preview does
// not).
func (p *report) finished(c *plan.Change, got *obtained, took time.Duration, changed bool) {
	p.count(func(s *Summary) {
		if changed {
			s.done(c.Action) // a preview changes nothing
		}
		switch got.source {
		case FromCache:
			s.FromCache++
		case FromRenderer:
			s.Rendered += len(got.images)
		case FromAPI:
			s.Generated += len(got.images)
		case FromJob:
			s.Resumed++
		}
	})
	paid, cost := 0, 0.0
	if got.source == FromAPI {
		paid, cost = len(got.images), got.costUSD
	}
	variants := 0
	if changed {
		variants = len(c.Derive)
	}
	p.emit(Event{Type: EventFinished, Address: c.Address, Action: c.Action, Source: got.source,
		RequestID: got.requestID, InferenceTime: got.inferenceTime, Duration: took, Images: paid, CostUSD: cost, Variants: variants, Candidate: c.Candidate})
}
