package apply

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/state"
)

// errSubmitsStopped is what a change that was about to submit gets once
// a fatal error stopped new submissions: it is left for the next run.
var errSubmitsStopped = errors.New("no new image is submitted after a fatal error")

// gate says whether new work may start. It closes, for good, at the
// first fatal error (no new image is submitted; jobs accepted are still
// followed, unless the error stops everything) and when the run's lock
// is found lost: then no request is sent, no checkpoint is saved, and
// what reaches the cache is not written. It is the one place that holds
// both.
type gate struct {
	report *report
	ckpt   *checkpointer
	clock  clockwork.Clock
	cancel context.CancelCauseFunc // the run's context: everything stops
	// submitCtx ends when no new image may be submitted: it bounds
	// waiting for a slot and between attempts, and feeding new changes;
	// jobs already accepted are waited for with the run's own context.
	submitCtx   context.Context
	stopSubmits context.CancelFunc

	mu       sync.Mutex
	fatalErr error
	lockLost error // why the run's lock was lost; nil while it holds it
}

// fatal stops the run: no new change starts and no new image is
// submitted. Jobs the API already accepted are still followed to their
// images (they are paid for), unless err says the API cannot be reached
// at all: then work in flight is cancelled too, and their jobs stay
// journaled for the next run.
func (g *gate) fatal(err error) {
	g.mu.Lock()
	if g.fatalErr == nil {
		g.fatalErr = err
	}
	g.mu.Unlock()
	g.stopSubmits()
	var fe *FatalError
	if errors.As(err, &fe) && fe.StopAll {
		g.cancel(err)
	}
}

// failure is the fatal error that stopped the run; nil when none did.
func (g *gate) failure() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.fatalErr
}

// watch closes the gate once the run's lock is lost, until done is
// closed.
func (g *gate) watch(l Lock, done <-chan struct{}) {
	select {
	case <-l.Lost():
		g.loseLock(l.Err())
	case <-done:
	}
}

// loseLock records that the run's lock is gone: no new request is sent,
// and no checkpoint is saved (the final save decides, see saveAfterLoss).
// Jobs in flight are still followed, their images into the cache.
func (g *gate) loseLock(err error) {
	if err == nil {
		err = &state.LockLostError{Reason: "it was found lost"}
	}
	g.mu.Lock()
	first := g.lockLost == nil
	if first {
		g.lockLost = err
	}
	g.mu.Unlock()
	if !first {
		return
	}
	g.ckpt.suspend()
	g.stopSubmits()
	g.report.emit(Event{Type: EventWarning, Message: err.Error() + ": no new image is submitted; the jobs in flight are followed into the cache"})
}

// lost is why the run lost its lock; nil while it holds it.
func (g *gate) lost() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lockLost
}

// pause waits d before another attempt, or until no new attempt may start.
func (g *gate) pause(ctx context.Context, d time.Duration) error {
	t := g.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-g.submitCtx.Done():
		return g.stopped(ctx)
	case <-t.Chan():
		return nil
	}
}

// stopped is why no new attempt starts: the run's own end, or a fatal
// error that stopped new submissions.
func (g *gate) stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return errSubmitsStopped
}
