package apply

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy says how often and how patiently a retryable API error is
// retried: exponential backoff with full jitter, bounded attempts. A 429
// waits what the server's Retry-After asked for instead, and has its own,
// larger bound, since a busy server is not a broken one.
type RetryPolicy struct {
	Attempts       int           // tries of one call before giving up (5xx, network)
	ThrottledTries int           // tries of one call answered 429
	Base           time.Duration // the first backoff's upper bound
	Cap            time.Duration // the largest backoff's upper bound
	MinRetryAfter  time.Duration // floor of a 429's wait when the server says none
}

// DefaultRetryPolicy is what apply uses.
var DefaultRetryPolicy = RetryPolicy{
	Attempts:       10,
	ThrottledTries: 60,
	Base:           500 * time.Millisecond,
	Cap:            20 * time.Second,
	MinRetryAfter:  time.Second,
}

// backoff is the wait before retry number attempt (1-based; less counts
// as 1): a random duration up to min(Cap, Base·2^(attempt-1)) ("full
// jitter"), never negative.
func (p RetryPolicy) backoff(attempt int) time.Duration {
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
