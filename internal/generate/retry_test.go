package generate

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const draws = 2000
	pol := RetryPolicy{Base: 100 * time.Millisecond, Cap: 2 * time.Second}
	tests := []struct {
		name    string
		policy  RetryPolicy
		attempt int
		bound   time.Duration // the largest wait allowed: min(Cap, Base·2^(attempt-1))
	}{
		{"first retry: up to Base", pol, 1, 100 * time.Millisecond},
		{"second: twice Base", pol, 2, 200 * time.Millisecond},
		{"fifth: 16×Base", pol, 5, 1600 * time.Millisecond},
		{"sixth: capped", pol, 6, 2 * time.Second},
		{"far beyond: capped, no overflow", pol, 200, 2 * time.Second},
		{"attempt 0 counts as the first", pol, 0, 100 * time.Millisecond},
		{"negative attempt counts as the first", pol, -3, 100 * time.Millisecond},
		{"huge base: capped", RetryPolicy{Base: 1 << 62, Cap: time.Minute}, 3, time.Minute},
		{"default policy, first", DefaultRetryPolicy, 1, 500 * time.Millisecond},
		{"default policy, tenth", DefaultRetryPolicy, 10, 20 * time.Second},
		{"zero base: no wait", RetryPolicy{Cap: time.Second}, 3, 0},
		{"zero cap: no wait", RetryPolicy{Base: time.Second}, 3, 0},
		{"negative cap: no wait", RetryPolicy{Base: time.Second, Cap: -time.Second}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lowest, highest := time.Duration(1<<63-1), time.Duration(-1)
			var sum time.Duration
			for range draws {
				d := tt.policy.Backoff(tt.attempt)
				if d < 0 || d > tt.bound {
					t.Fatalf("backoff(%d) = %v, want within [0, %v]", tt.attempt, d, tt.bound)
				}
				lowest, highest = min(lowest, d), max(highest, d)
				sum += d
			}
			if tt.bound == 0 {
				return
			}
			// Full jitter: the waits spread over the whole range, not
			// bunched near the bound (equal jitter) or at it.
			if lowest > tt.bound/10 || highest < tt.bound*9/10 {
				t.Errorf("backoff(%d) over %d draws spans [%v, %v]; want it to cover [0, %v]", tt.attempt, draws, lowest, highest, tt.bound)
			}
			mean := sum / draws
			if mean < tt.bound*4/10 || mean > tt.bound*6/10 {
				t.Errorf("backoff(%d): mean %v, want about %v (uniform over [0, %v])", tt.attempt, mean, tt.bound/2, tt.bound)
			}
		})
	}
}

func TestThrottleWait(t *testing.T) {
	pol := RetryPolicy{MinRetryAfter: time.Second, ThrottleCap: time.Minute}
	tests := map[string]struct {
		n    int
		want time.Duration
	}{
		"first":            {n: 1, want: time.Second},
		"doubling":         {n: 3, want: 4 * time.Second},
		"capped":           {n: 8, want: time.Minute},
		"far past the cap": {n: 1000, want: time.Minute},
		"zero counts as 1": {n: 0, want: time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pol.ThrottleWait(tc.n); got != tc.want {
				t.Errorf("throttleWait(%d) = %v, want %v", tc.n, got, tc.want)
			}
		})
	}
}
