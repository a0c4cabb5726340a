package generate

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Pace spaces billable requests (a submit, a synchronous generate) to an
// account's rate limit, shared by every worker: no two go out closer
// than Spacing apart, from the very first one (which goes at once), so
// that a server that allows N a minute with a burst of one answers none
// with a 429. Polls and downloads are not billable and are not paced.
//
// The spacing is measured from the moment the previous request was let
// go, not from when it was due: a waiter that wakes late (a busy machine)
// pushes the next one back rather than letting two go out close
// together.
//
// When 429s come anyway (the account's limit is lower than the rate asked
// for, or it counts what imgform does not), a second one within
// throttleSpan of the first lowers the rate by a fifth, down to one a
// minute; the concurrency limit (Limiter) halves on each as well.
type Pace struct {
	// turn lets one waiter at a time wait for its moment.
	turn  chan struct{}
	clock clockwork.Clock

	mu           sync.Mutex
	perMinute    float64
	spacing      time.Duration
	last         time.Time // when the last request was let go; zero: none yet
	lastThrottle time.Time
}

// throttleSpan is how close two 429s must be for the rate to come down.
const throttleSpan = 30 * time.Second

// The safety margin added to the interval 60/N seconds of a rate of N a
// minute: 2% of the interval or 50 ms, whichever is larger. It covers
// what happens between the moment imgform lets a request go and the
// moment the server counts it: network jitter (one request delayed less
// than the one before it), a busy client, and a server whose clock runs
// a little fast. 50 ms is more than the jitter of a healthy path to a
// cloud API; 2% is what a limit of a few a minute needs on top of that.
const (
	marginShare = 0.02
	marginMin   = 50 * time.Millisecond
)

// Spacing is the least time between two billable requests at perMinute
// requests a minute: 60/perMinute seconds plus the safety margin. 0 for
// no rate.
func Spacing(perMinute float64) time.Duration {
	if perMinute <= 0 {
		return 0
	}
	interval := time.Duration(float64(time.Minute) / perMinute)
	return interval + max(time.Duration(float64(interval)*marginShare), marginMin)
}

// SendingTime is how long sending n billable requests takes at
// perMinute: the first goes at once, each other one Spacing after the
// one before. 0 for no rate.
func SendingTime(n int, perMinute float64) time.Duration {
	if n <= 1 || perMinute <= 0 {
		return 0
	}
	return time.Duration(n-1) * Spacing(perMinute)
}

// NewPace returns a pace of perMinute requests a minute on clock (nil:
// the real one); nil for 0 (no pacing).
func NewPace(perMinute float64, clock clockwork.Clock) *Pace {
	if perMinute <= 0 {
		return nil
	}
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	return &Pace{turn: make(chan struct{}, 1), clock: clock, perMinute: perMinute, spacing: Spacing(perMinute)}
}

// Wait waits for the next request's turn, and lets it go at once: Take
// and Go in one.
func (p *Pace) Wait(ctx context.Context) error {
	t, err := p.Take(ctx)
	t.Go()
	return err
}

// Take waits for the next request's turn: Spacing after the request
// before it was let go. The turn is held until Go says the request goes
// now (what comes between, such as the journal write that precedes a
// billable request, does not shorten the spacing), or Cancel gives it
// back unused. It returns ctx's error, and no turn, when ctx ends first.
func (p *Pace) Take(ctx context.Context) (*Turn, error) {
	if p == nil {
		return nil, nil
	}
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		p.mu.Lock()
		due := p.last.Add(p.spacing)
		now := p.clock.Now()
		if p.last.IsZero() || !now.Before(due) {
			p.mu.Unlock()
			return &Turn{p: p}, nil
		}
		p.mu.Unlock()
		// The spacing may grow while this waits (Throttled): look again
		// when the timer fires.
		t := p.clock.NewTimer(due.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			<-p.turn
			return nil, ctx.Err()
		case <-t.Chan():
		}
	}
}

// Turn is one request's turn to go (Pace.Take). A nil Turn (no pace)
// does nothing.
type Turn struct {
	p    *Pace
	done bool
}

// Go marks the moment the request goes, from which the next one's
// spacing counts, and ends the turn.
func (t *Turn) Go() {
	if t == nil || t.done {
		return
	}
	t.done = true
	t.p.mu.Lock()
	t.p.last = t.p.clock.Now()
	t.p.mu.Unlock()
	<-t.p.turn
}

// Cancel ends the turn without a request going; after Go it does
// nothing.
func (t *Turn) Cancel() {
	if t == nil || t.done {
		return
	}
	t.done = true
	<-t.p.turn
}

// PerMinute is the rate now.
func (p *Pace) PerMinute() float64 {
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.perMinute
}

// Throttled takes note of a 429 at now, and lowers the rate when they keep
// coming. It returns the rate and whether it was lowered.
func (p *Pace) Throttled(now time.Time) (float64, bool) {
	if p == nil {
		return 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	lower := !p.lastThrottle.IsZero() && now.Sub(p.lastThrottle) < throttleSpan && p.perMinute > 1
	p.lastThrottle = now
	if lower {
		p.perMinute = max(1, math.Floor(p.perMinute*0.8))
		p.spacing = Spacing(p.perMinute)
		p.lastThrottle = time.Time{} // the next cut needs two more
	}
	return p.perMinute, lower
}
