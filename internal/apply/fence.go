package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/proc"
	"github.com/imgform/imgform/internal/state"
)

// Lock is the state lock a run holds (Options.Lock): the engine watches
// it, and stops paying for images the moment it is lost.
type Lock interface {
	Info() state.LockInfo
	Lost() <-chan struct{}
	Err() error
}

// LockLostError ends a run that lost its state lock: another run may hold
// it now. Nothing was submitted after the loss was found (each billable
// request is preceded by a journal write fenced by the lock); the jobs in
// flight were followed to their images, which went to the cache only.
type LockLostError struct {
	Err error // why the lock was lost (a *state.LockLostError)
	// Stranded counts the images that reached the cache after the loss
	// and were not written: the next apply writes them for free.
	Stranded int
	// Saved says whether the state was saved at the end: only when the
	// lock could be taken again (nobody else holds it) and the state was
	// still the one this run read. SaveErr says why not.
	Saved   bool
	SaveErr error
}

func (e *LockLostError) Error() string {
	msg := e.Err.Error() + ": no image was submitted after that"
	if e.Stranded > 0 {
		msg += fmt.Sprintf("; %d %s in flight reached the cache and %s not written (the next apply writes %s for free)",
			e.Stranded, plural(e.Stranded, "image", "images"), plural(e.Stranded, "was", "were"), plural(e.Stranded, "it", "them"))
	}
	switch {
	case e.Saved:
		msg += "; nobody else held the lock, so the state was saved with what this run finished before"
	case e.SaveErr != nil:
		msg += "; the state was not saved (" + e.SaveErr.Error() + "): what this run finished is in the cache, and the next plan finds it there"
	}
	return msg
}

func (e *LockLostError) Unwrap() error { return e.Err }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// intend writes the pending journal record that precedes a billable
// request of c, fenced by the lock: it returns the record's id, or the
// error that stops the request (errSubmitsStopped once the lock is lost).
func (r *runner) intend(c *plan.Change) (string, error) {
	id := state.NewPendingID()
	rec := state.JobRecord{Address: c.Address, InputHash: c.InputHash, Samples: c.Request.Samples(), Endpoint: r.endpoint(),
		Pending: true, Job: model.Job{ID: id, Submitted: r.opts.Clock.Now().UTC()}}
	if r.opts.Lock != nil {
		info := r.opts.Lock.Info()
		rec.Writer = &info
	}
	err := r.journal.Record(r.journalCtx, rec)
	var lost *state.LockLostError
	switch {
	case err == nil:
		return id, nil
	case errors.As(err, &lost):
		r.gate.loseLock(err)
		return "", errSubmitsStopped
	}
	return "", &FatalError{Err: fmt.Errorf("the job journal cannot be written, so no image is submitted (a crash would lose what is paid for): %w", err)}
}

// settle drops a pending record once its request is answered: the job's
// own record replaces it, or the request made nothing to follow.
func (r *runner) settle(addr, pendingID string) {
	if err := r.journal.Remove(r.journalCtx, pendingID); err != nil {
		r.report.emit(Event{Type: EventWarning, Address: addr, Message: err.Error()})
	}
}

// saveAfterLoss is the final save of a run that lost its lock: only under
// the lock taken again (so that no other run holds it, and none can start
// before the save is done), as a compare-and-swap on the state this run
// read.
func (r *runner) saveAfterLoss(ctx context.Context, store Store) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	l, err := store.Lock(ctx, state.LockOptions{Operation: "apply (saving what it finished before losing the lock)"})
	if err != nil {
		var locked *state.LockedError
		if errors.As(err, &locked) {
			return false, errors.New("another run holds the lock now")
		}
		return false, err
	}
	defer l.Unlock()
	var snapshot *state.State
	r.ckpt.read(func(st *state.State) { snapshot = st.Clone() })
	if _, err := store.Save(ctx, snapshot); err != nil {
		return false, err
	}
	r.ckpt.saved()
	return true, nil
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
