package generate

import (
	"context"
	"sync"
	"time"
)

// Limiter bounds how many images are in progress at the API at once, and
// adapts the bound the way TCP adapts its window (AIMD): it starts at the
// parallelism asked for, halves on a 429 (but never below the number of
// requests the server has demonstrably handled at once since the last
// decrease), and grows back by one for every window of successes, never
// above the parallelism.
type Limiter struct {
	mu        sync.Mutex
	changed   chan struct{} // closed when a slot may have become free
	max       int
	limit     int
	inUse     int
	accepted  int // slots whose request the server took
	peak      int // the most accepted at once since the last decrease
	successes int // since the limit last changed
	// After a decrease, further 429s from the same burst are ignored until
	// a request succeeds or calm has passed.
	decreasedAt  time.Time
	sinceSuccess bool
}

// throttleWindow is how long after a decrease another 429 is taken to be
// from the same burst of requests.
const throttleWindow = 2 * time.Second

// NewLimiter returns a limit that starts, and stays at most, at
// parallelism.
func NewLimiter(parallelism int) *Limiter {
	return &Limiter{changed: make(chan struct{}), max: parallelism, limit: parallelism}
}

// Acquire waits for a free slot. A cancelled ctx gets none, free or not.
func (l *Limiter) Acquire(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		if l.inUse < l.limit {
			l.inUse++
			l.mu.Unlock()
			return nil
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Release frees a slot; accepted says whether the server had taken its
// request (see accept).
func (l *Limiter) Release(accepted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inUse--
	if accepted {
		l.accepted--
	}
	l.notify()
}

// Accept records that the server took the slot's request.
func (l *Limiter) Accept() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accepted++
	l.peak = max(l.peak, l.accepted)
}

// Succeeded records a finished image: one more success in the window.
func (l *Limiter) Succeeded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sinceSuccess = true
	l.successes++
	if l.successes >= l.limit && l.limit < l.max {
		l.limit++
		l.successes = 0
		l.notify()
	}
}

// Throttled records a 429: the limit halves, once per burst.
func (l *Limiter) Throttled(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.decreasedAt.IsZero() && !l.sinceSuccess && now.Sub(l.decreasedAt) < throttleWindow {
		return
	}
	// In a burst, the server's answers arrive in any order: the requests
	// it took a moment ago may not be counted yet, or already be done.
	// What it held at once since the last decrease is the better floor.
	l.limit = max(1, l.limit/2, l.peak)
	l.peak = l.accepted
	l.successes = 0
	l.decreasedAt, l.sinceSuccess = now, false
}

// Current is the limit now.
func (l *Limiter) Current() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// notify wakes the waiters; l.mu is held.
func (l *Limiter) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}
