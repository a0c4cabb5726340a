package generate

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pace spaces billable requests (a submit, a synchronous generate) to an
// account's rate limit: a token bucket of one token refilled at the rate,
// shared by every worker, so that requests go out evenly and none meets a
// 429. Polls and downloads are not billable and are not paced.
//
// When 429s come anyway (the account's limit is lower than the rate asked
// for, or it counts what imgform does not), a second one within
// throttleSpan of the first lowers the rate by a fifth, down to one a
// minute; the concurrency limit (Limiter) halves on each as well.
type Pace struct {
	mu           sync.Mutex
	lim          *rate.Limiter
	perMinute    float64
	lastThrottle time.Time
}

// throttleSpan is how close two 429s must be for the rate to come down.
const throttleSpan = 30 * time.Second

// NewPace returns a pace of perMinute requests a minute; nil for 0 (no
// pacing).
func NewPace(perMinute float64) *Pace {
	if perMinute <= 0 {
		return nil
	}
	return &Pace{lim: rate.NewLimiter(rate.Limit(perMinute/60), 1), perMinute: perMinute}
}

// Wait waits for the next request's turn.
func (p *Pace) Wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.lim.Wait(ctx)
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
		p.lim.SetLimitAt(now, rate.Limit(p.perMinute/60))
		p.lastThrottle = time.Time{} // the next cut needs two more
	}
	return p.perMinute, lower
}
