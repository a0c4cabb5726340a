package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/spec"
)

// withSlot runs call in a concurrency slot, at the pace of the rate
// limit (call calls sending just before its request goes), within the budget, retrying what can succeed later as the
// RetryPolicy says. call is a billable request of cost; it reports whether
// the server took it: when it did, or when it succeeded, the slot stays
// held (the caller releases it with Release(true) when the images are
// done) and so does the cost's reservation (the caller settles it);
// otherwise both are settled here. A 429 also halves the concurrency limit
// and, when they keep coming, lowers the rate.
//
// A request that may have been processed and billed without a usable
// answer (generate.IsPossiblyBilled) is sent again at most once: a second
// such failure, or one that cannot be retried, fails the image with a
// *PossiblyBilledError. Once a fatal error stopped new submissions, no
// attempt starts: errSubmitsStopped.
func (p *pipeline) withSlot(ctx context.Context, addr string, cost float64, call func(ctx context.Context, sending func()) (accepted bool, err error)) error {
	var t tries
	for {
		if err := p.limiter.Acquire(p.gate.submitCtx); err != nil {
			return p.gate.stopped(ctx)
		}
		turn, err := p.pace.Take(p.gate.submitCtx)
		if err != nil {
			p.limiter.Release(false)
			return p.gate.stopped(ctx)
		}
		if err := p.spend.reserve(cost); err != nil {
			turn.Cancel()
			p.limiter.Release(false)
			return &FatalError{Err: err}
		}
		// call says when its request goes (after the journal write that
		// precedes it): the rate's spacing counts from then.
		accepted, err := call(ctx, turn.Go)
		turn.Cancel() // when it never went
		if accepted {
			p.limiter.Accept()
			return nil
		}
		p.limiter.Release(false)
		if err == nil {
			return nil
		}
		var fe *FatalError
		if errors.Is(err, errSubmitsStopped) || errors.As(err, &fe) {
			// Nothing was sent: the journal write before it failed.
			p.spend.release(cost)
			return err
		}
		if generate.IsPossiblyBilled(err) {
			p.spend.billed(cost)
		} else {
			p.spend.release(cost)
		}
		delay, err := p.nextTry(ctx, addr, &t, err)
		if err != nil {
			return err
		}
		if err := p.gate.pause(ctx, delay); err != nil {
			return err
		}
	}
}

// tries counts one image's failed attempts by kind.
type tries struct {
	failures, unreachable, throttles, billed int
	// throttled is how long this image has waited out 429s: the budget
	// counts the waits the API asked for, not the requests' own time, so
	// that a slow machine gives up after as many tries as a fast one.
	throttled time.Duration
}

func (t *tries) total() int { return t.failures + t.unreachable + t.throttles + t.billed }

// nextTry decides what follows a failed attempt: how long to wait before
// the next one, or the error that ends the image (or the run).
func (p *pipeline) nextTry(ctx context.Context, addr string, t *tries, err error) (time.Duration, error) {
	pol := p.retry
	reason := generate.ReasonOf(err)
	if generate.IsPossiblyBilled(err) {
		t.billed++
		p.report.count(func(s *Summary) { s.PossiblyBilled++ })
		switch {
		case generate.StopsRun(err):
			return 0, err // cancelled after sending: counted, not this image's failure
		case reason != generate.Retryable || t.billed > 1 || ctx.Err() != nil:
			return 0, &PossiblyBilledError{Requests: t.billed, Err: err}
		}
		delay := pol.Backoff(1)
		p.report.emit(Event{Type: EventRetry, Address: addr, Attempt: t.total(), Delay: delay,
			Message: err.Error() + "; the request may have been processed and billed, so it is sent once more and no more"})
		return delay, nil
	}
	if ctx.Err() != nil {
		return 0, err
	}
	var delay time.Duration
	switch reason {
	case generate.Throttled:
		t.throttles++
		if t.throttled >= pol.ThrottleBudget {
			return 0, &FatalError{Err: fmt.Errorf("the API has answered 429 (too many requests) to one request for %s: the account's rate limit is lower than this run asks; run again later, or with a lower --parallelism: %w",
				pol.ThrottleBudget.Round(time.Second), err)}
		}
		now := p.clock.Now()
		p.limiter.Throttled(now)
		if perMinute, lowered := p.pace.Throttled(now); lowered {
			p.report.emit(Event{Type: EventWarning, Address: addr, Message: fmt.Sprintf("the API keeps answering 429: the rate is lowered to %s", spec.FormatRate(perMinute))})
		}
		delay = generate.WaitOf(err)
		if delay == 0 {
			delay = pol.ThrottleWait(t.throttles)
		}
		t.throttled += delay
		p.report.emit(Event{Type: EventThrottled, Address: addr, Attempt: t.throttles, Delay: delay, Concurrency: p.limiter.Current(), Message: err.Error()})
		return delay, nil
	case generate.Unreachable:
		t.unreachable++
		if t.unreachable >= pol.UnreachableAttempts {
			return 0, &FatalError{StopAll: true, Err: fmt.Errorf("the API at %s cannot be reached (%d attempts): %w", p.endpoint, t.unreachable, err)}
		}
		delay = pol.Backoff(t.unreachable)
	case generate.Retryable:
		t.failures++
		if t.failures >= pol.Attempts {
			return 0, err
		}
		delay = pol.Backoff(t.failures)
	default:
		return 0, err
	}
	p.report.emit(Event{Type: EventRetry, Address: addr, Attempt: t.total(), Delay: delay, Message: err.Error()})
	return delay, nil
}

// PossiblyBilledError fails an image whose request the API may have
// processed, and billed, without answering usably: it is not sent again in
// this run (a second attempt was already made, or cannot help).
type PossiblyBilledError struct {
	Requests int // how many of this image's requests may have been billed
	Err      error
}

func (e *PossiblyBilledError) Error() string {
	n := "1 request"
	if e.Requests != 1 {
		n = fmt.Sprintf("%d requests", e.Requests)
	}
	return fmt.Sprintf("%v; possibly billed (%s): the API may have made this image, so it is not sent again in this run", e.Err, n)
}

func (e *PossiblyBilledError) Unwrap() error { return e.Err }
