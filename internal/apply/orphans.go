package apply

import (
	"context"

	"github.com/imgform/imgform/internal/state"
)

// loadJournal reads the journaled jobs of this endpoint. Those too old to
// resume are dropped; the others are resumed by the change that needs
// their image, or collected into the cache at the end (collectOrphans).
func (r *runner) loadJournal() {
	r.jobs = map[state.Hash][]state.JobRecord{}
	r.sending = map[state.Hash]state.JobRecord{}
	r.possiblyBilled = map[state.Hash]bool{}
	if r.opts.Generator == nil || r.opts.Offline {
		return
	}
	entries, err := r.journal.List(r.journalCtx)
	if err != nil {
		r.report.emit(Event{Type: EventWarning, Message: err.Error()})
		return
	}
	now := r.opts.Clock.Now()
	var pending []state.JobRecord
	for _, e := range entries {
		switch {
		case e.Pending && inFlightElsewhere(e, now):
			r.sending[e.InputHash] = e
		case e.Pending:
			pending = append(pending, e)
		case now.Sub(e.Job.Submitted) >= JobRetention:
			r.journal.Remove(r.journalCtx, e.Job.ID)
		case e.Endpoint == r.endpoint():
			r.jobs[e.InputHash] = append(r.jobs[e.InputHash], e)
		}
	}
	for _, e := range pending {
		r.interruptedSubmit(e, len(r.jobs[e.InputHash]) > 0)
	}
}

// interruptedSubmit reports, and drops, a pending record an earlier run
// left: it was about to send a billable request, or had sent it, when it
// died, before it knew the job's id. The request may have been billed,
// and nothing can follow it: the image is not paid for again in this run
// (when in doubt, it fails, saying so); the record is dropped, so that
// the next run pays for it, on purpose. A record whose job the journal
// holds too (the run recorded it, and died before dropping the pending
// record) is only dropped: the job is followed.
func (r *runner) interruptedSubmit(e state.JobRecord, journaled bool) {
	if !journaled {
		r.report.count(func(s *Summary) { s.EarlierPossiblyBilled++ })
		r.sending[e.InputHash] = e
		r.possiblyBilled[e.InputHash] = true
	}
	if err := r.journal.Remove(r.journalCtx, e.Job.ID); err != nil {
		r.report.emit(Event{Type: EventWarning, Address: e.Address, Message: err.Error()})
	}
}

// takeJob hands a journaled job to the one change that resumes it. A
// forced replacement takes only a job that an interrupted forced
// replacement submitted: the new image it asked for, already paid.
func (r *runner) takeJob(h state.Hash, forced bool) (state.JobRecord, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	entries := r.jobs[h]
	// The newest first: the one most likely still within its retention.
	for i := len(entries) - 1; i >= 0; i-- {
		if forced && !entries[i].Forced {
			continue
		}
		e := entries[i]
		r.jobs[h] = append(entries[:i:i], entries[i+1:]...)
		return e, true
	}
	return state.JobRecord{}, false
}

// collectOrphans fetches into the cache the results of journaled jobs
// that no change of this run needed (the configuration changed after an
// interrupted run): they were paid for, and a later revert should not pay
// again. Failures are left for a later run.
func (r *runner) collectOrphans(ctx context.Context) {
	interrupted := false
	r.report.count(func(s *Summary) { interrupted = s.Interrupted })
	r.mu.Lock()
	if ctx.Err() != nil || interrupted {
		r.mu.Unlock()
		return
	}
	var orphans []state.JobRecord
	for _, entries := range r.jobs {
		orphans = append(orphans, entries...)
	}
	r.jobs = map[state.Hash][]state.JobRecord{}
	r.mu.Unlock()
	for _, e := range orphans {
		if r.opts.Cache != nil && r.opts.Cache.Has(ctx, e.InputHash, e.Samples) {
			if !r.opts.KeepFinishedJobs {
				r.journal.Remove(r.journalCtx, e.Job.ID)
			}
			continue
		}
		if _, err := r.resume(ctx, e.Address, e); err != nil {
			r.report.emit(Event{Type: EventWarning, Address: e.Address, RequestID: e.Job.ID,
				Message: "could not collect the result of a job an earlier run submitted: " + err.Error()})
			continue
		}
		if r.gate.lost() == nil && !r.opts.KeepFinishedJobs {
			r.dropRecord(e.Address, e.Job.ID) // no state records it: the cache answers for it
		}
		r.report.count(func(s *Summary) { s.Collected++ })
	}
}
