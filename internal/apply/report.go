package apply

import (
	"log/slog"
	"sync"

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
