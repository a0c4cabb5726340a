package apply

import (
	"context"
)

// collectOrphans fetches into the cache the results of journaled jobs
// that no change of this run needed (the configuration changed after an
// interrupted run): they were paid for, and a later revert should not pay
// again. Failures are left for a later run.
func (r *runner) collectOrphans(ctx context.Context) {
	interrupted := false
	r.report.count(func(s *Summary) { interrupted = s.Interrupted })
	if ctx.Err() != nil || interrupted {
		return
	}
	for _, e := range r.journal.takeRest() {
		if r.opts.Cache != nil && r.opts.Cache.Has(ctx, e.InputHash, e.Samples) {
			r.journal.retireCached(e.Job.ID)
			continue
		}
		if _, err := r.pipeline.resume(ctx, e.Address, e); err != nil {
			r.report.emit(Event{Type: EventWarning, Address: e.Address, RequestID: e.Job.ID,
				Message: "could not collect the result of a job an earlier run submitted: " + err.Error()})
			continue
		}
		if r.gate.lost() == nil {
			r.journal.retire(e.Address, e.Job.ID) // no state records it: the cache answers for it
		}
		r.report.count(func(s *Summary) { s.Collected++ })
	}
}
