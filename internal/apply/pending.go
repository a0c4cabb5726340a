package apply

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/proc"
	"github.com/imgform/imgform/internal/state"
)

// intend writes the pending journal record that precedes a billable
// request of c, fenced by the lock: it returns the record's id, or the
// error that stops the request (errSubmitsStopped once the lock is lost).
func (j *journal) intend(c *plan.Change) (string, error) {
	id := state.NewPendingID()
	rec := state.JobRecord{Address: c.Address, InputHash: c.InputHash, Samples: c.Request.Samples(), Endpoint: j.endpoint,
		Pending: true, Job: model.Job{ID: id, Submitted: j.clock.Now().UTC()}}
	if j.lock != nil {
		info := j.lock.Info()
		rec.Writer = &info
	}
	err := j.store.Record(j.ctx, rec)
	var lost *state.LockLostError
	switch {
	case err == nil:
		return id, nil
	case errors.As(err, &lost):
		j.gate.loseLock(err)
		return "", errSubmitsStopped
	}
	return "", &FatalError{Err: fmt.Errorf("the job journal cannot be written, so no image is submitted (a crash would lose what is paid for): %w", err)}
}

// settle drops a pending record once its request is answered: the job's
// own record replaces it, or the request made nothing to follow.
func (j *journal) settle(addr, pendingID string) {
	if err := j.store.Remove(j.ctx, pendingID); err != nil {
		j.report.emit(Event{Type: EventWarning, Address: addr, Message: err.Error()})
	}
}

// PendingInFlight is how long after its pending record a billable request
// may still be in flight: the longest a call waits for its answer (a v1
// generate's three minutes), with a margin. A pending record younger
// than this, of a run that may still be alive, stands for a request that
// may yet be answered and journaled: the image is not paid for again.
const PendingInFlight = 4 * time.Minute

// inFlightElsewhere reports whether the pending record e, which an
// earlier or concurrent run wrote, may stand for a request still in
// flight: young, and its writer alive on this host, or on another host
// (which cannot be asked).
func inFlightElsewhere(e state.JobRecord, now time.Time) bool {
	if now.Sub(e.Job.Submitted) >= PendingInFlight {
		return false
	}
	if e.Writer == nil {
		return true
	}
	host, _ := os.Hostname()
	if e.Writer.Host != host {
		return true
	}
	return e.Writer.PID != os.Getpid() && proc.Alive(e.Writer.PID)
}

// SendingElsewhereError fails an image whose request another run may be
// sending right now (a run that lost its lock, and whose answer has not
// come yet), or may have billed before it died without knowing the job's
// id (Billed): it is not paid for again in this run.
type SendingElsewhereError struct {
	Record state.JobRecord
	Billed bool
}

func (e *SendingElsewhereError) Error() string {
	who := "another run"
	if w := e.Record.Writer; w != nil {
		who = fmt.Sprintf("another run (%s pid %d on %s)", w.Operation, w.PID, w.Host)
	}
	at := e.Record.Job.Submitted.Local().Format("2006-01-02 15:04:05 MST")
	if e.Billed {
		return fmt.Sprintf("possibly billed: %s stopped while it sent this image's request (at %s), before the API gave the job's id, so the request cannot be followed and may have been paid for; it is not sent again in this run. Check the usage in your Segmind account; the next apply pays for the image again",
			who, at)
	}
	return fmt.Sprintf("%s was sending this image's request at %s and may still be: nothing is paid for it in this run; run apply again once that run has finished",
		who, at)
}

// interruptedSubmit reports, and drops, a pending record an earlier run
// left: it was about to send a billable request, or had sent it, when it
// died, before it knew the job's id. The request may have been billed,
// and nothing can follow it: the image is not paid for again in this run
// (when in doubt, it fails, saying so); the record is dropped, so that
// the next run pays for it, on purpose. A record whose job the journal
// holds too (the run recorded it, and died before dropping the pending
// record) is only dropped: the job is followed.
func (j *journal) interruptedSubmit(e state.JobRecord, journaled bool) {
	if !journaled {
		j.report.count(func(s *Summary) { s.EarlierPossiblyBilled++ })
		j.sending[e.InputHash] = e
		j.possiblyBilled[e.InputHash] = true
	}
	if err := j.store.Remove(j.ctx, e.Job.ID); err != nil {
		j.report.emit(Event{Type: EventWarning, Address: e.Address, Message: err.Error()})
	}
}

// sendingElsewhere is the error that fails a change whose request
// another run may be sending, or may have billed; nil when none is.
func (j *journal) sendingElsewhere(h state.Hash) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e, ok := j.sending[h]; ok {
		return &SendingElsewhereError{Record: e, Billed: j.possiblyBilled[h]}
	}
	return nil
}
