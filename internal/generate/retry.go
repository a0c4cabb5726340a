package generate

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy says how often and how patiently a retryable API error is
// retried.
//
//   - A 5xx is retried with exponential backoff and full jitter, Attempts
//     times in all; then that image fails.
//   - No answer at all (refused, reset, timed out) is retried the same way,
//     but only UnreachableAttempts times: then the endpoint is taken to be
//     unreachable, which no image can get past, and the run stops.
//   - A 429 waits what the server's Retry-After asks, or, when it names no
//     time, from MinRetryAfter doubling up to ThrottleCap. A busy server is
//     not a broken one: a call may wait out 429s for ThrottleBudget in all
//     before the run stops (the account's rate limit is lower than what
//     the run asks of it).
type RetryPolicy struct {
	Attempts            int
	UnreachableAttempts int
	Base                time.Duration // the first backoff's upper bound
	Cap                 time.Duration // the largest backoff's upper bound
	MinRetryAfter       time.Duration
	ThrottleCap         time.Duration
	ThrottleBudget      time.Duration
	// JobTimeout bounds the wait for one submitted job (0: no bound). A
	// job still queued or running then fails its image for this run and
	// stays journaled for the next.
	JobTimeout time.Duration
}

// DefaultRetryPolicy is what apply uses: an unreachable endpoint stops the
// run within seconds; a throttled one is waited for up to ten minutes.
var DefaultRetryPolicy = RetryPolicy{
	Attempts:            10,
	UnreachableAttempts: 5,
	Base:                500 * time.Millisecond,
	Cap:                 20 * time.Second,
	MinRetryAfter:       time.Second,
	ThrottleCap:         time.Minute,
	ThrottleBudget:      10 * time.Minute,
	JobTimeout:          15 * time.Minute,
}

// ThrottleWait is the wait after the n-th 429 of a call (1-based) whose
// answer named no Retry-After.
func (p RetryPolicy) ThrottleWait(n int) time.Duration {
	shift := min(max(n-1, 0), 20)
	d := p.MinRetryAfter << shift
	if d > p.ThrottleCap || d>>shift != p.MinRetryAfter {
		d = p.ThrottleCap
	}
	return max(d, 0)
}

// Backoff is the wait before retry number attempt (1-based; less counts
// as 1): a random duration up to min(Cap, Base·2^(attempt-1)) ("full
// jitter"), never negative.
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	shift := min(max(attempt-1, 0), 20)
	ceiling := p.Base << shift
	if ceiling > p.Cap || ceiling>>shift != p.Base { // capped, or overflowed
		ceiling = p.Cap
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling + 1)
}
