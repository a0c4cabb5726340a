package generate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// limiterStep is one thing that happens to a limiter, and the limit
// expected after it.
type limiterStep struct {
	name string
	do   func(t *testing.T, l *Limiter)
	want int
}

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// take acquires n slots whose requests the server takes.
func take(n int) func(*testing.T, *Limiter) {
	return func(t *testing.T, l *Limiter) {
		for range n {
			if err := l.Acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
			l.Accept()
		}
	}
}

// finish releases n slots whose requests the server had taken.
func finish(n int) func(*testing.T, *Limiter) {
	return func(_ *testing.T, l *Limiter) {
		for range n {
			l.Release(true)
		}
	}
}

func succeed(n int) func(*testing.T, *Limiter) {
	return func(_ *testing.T, l *Limiter) {
		for range n {
			l.Succeeded()
		}
	}
}

// throttle records a 429 at t0+d.
func throttle(d time.Duration) func(*testing.T, *Limiter) {
	return func(_ *testing.T, l *Limiter) { l.Throttled(t0.Add(d)) }
}

func TestLimiterAIMD(t *testing.T) {
	tests := []struct {
		name        string
		parallelism int
		steps       []limiterStep
	}{
		{"starts at the parallelism", 6, nil},
		{"a 429 halves the limit", 8, []limiterStep{
			{"429", throttle(0), 4},
		}},
		{"never below one", 1, []limiterStep{
			{"429", throttle(0), 1},
			{"429 after the window", throttle(throttleWindow), 1},
		}},
		{"odd limits round down", 5, []limiterStep{
			{"429", throttle(0), 2},
		}},
		{"never below the peak the server accepted", 8, []limiterStep{
			{"6 accepted", take(6), 8},
			{"429", throttle(0), 6},
		}},
		{"the peak counts since the last decrease only", 8, []limiterStep{
			{"6 accepted", take(6), 8},
			{"6 done", finish(6), 8},
			{"429: floor is the peak of 6", throttle(0), 6},
			{"429 after the window: nothing accepted since", throttle(throttleWindow), 3},
		}},
		{"a second 429 of the same burst is ignored", 8, []limiterStep{
			{"429", throttle(0), 4},
			{"429 from the same burst", throttle(100 * time.Millisecond), 4},
			{"429 just inside the window", throttle(throttleWindow - time.Nanosecond), 4},
		}},
		{"a 429 after the window halves again", 8, []limiterStep{
			{"429", throttle(0), 4},
			{"429 after the window", throttle(throttleWindow), 2},
		}},
		{"a success ends the burst", 8, []limiterStep{
			{"429", throttle(0), 4},
			{"one success", succeed(1), 4},
			{"429 inside the window", throttle(100 * time.Millisecond), 2},
		}},
		{"grows by one per window of limit successes", 8, []limiterStep{
			{"429", throttle(0), 4},
			{"3 successes", succeed(3), 4},
			{"the 4th", succeed(1), 5},
			{"4 more", succeed(4), 5},
			{"the 5th of the window", succeed(1), 6},
		}},
		{"never above the parallelism", 4, []limiterStep{
			{"many successes", succeed(100), 4},
			{"429", throttle(0), 2},
			{"many successes", succeed(100), 4},
		}},
		{"a decrease restarts the window", 8, []limiterStep{
			{"429", throttle(0), 4},
			{"3 successes", succeed(3), 4},
			{"429 after the window", throttle(throttleWindow), 2},
			{"one success", succeed(1), 2},
			{"the 2nd", succeed(1), 3},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(tt.parallelism)
			if got := l.Current(); got != tt.parallelism {
				t.Fatalf("new limiter: limit %d, want %d", got, tt.parallelism)
			}
			for _, s := range tt.steps {
				s.do(t, l)
				if got := l.Current(); got != s.want {
					t.Fatalf("after %s: limit %d, want %d", s.name, got, s.want)
				}
			}
		})
	}
}

// acquireAsync starts an acquire and returns the channel its result
// arrives on.
func acquireAsync(ctx context.Context, l *Limiter) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- l.Acquire(ctx) }()
	return ch
}

// blocked reports whether an acquire is still waiting after a moment.
func blocked(ch <-chan error) bool {
	select {
	case <-ch:
		return false
	case <-time.After(20 * time.Millisecond):
		return true
	}
}

// done waits for an acquire that must have been let through.
func done(t *testing.T, ch <-chan error) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("acquire: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("acquire still blocked")
	}
}

func TestLimiterAcquireBlocksWhenFull(t *testing.T) {
	l := NewLimiter(2)
	take(2)(t, l)
	ch := acquireAsync(context.Background(), l)
	if !blocked(ch) {
		t.Fatal("a third acquire at limit 2 did not block")
	}
	l.Release(false)
	done(t, ch)
}

func TestLimiterAcquireWaitsForTheLoweredLimit(t *testing.T) {
	l := NewLimiter(4)
	for range 4 { // four calls in flight that the server has not taken yet
		if err := l.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	l.Throttled(t0)
	if got := l.Current(); got != 2 {
		t.Fatalf("limit %d, want 2", got)
	}
	ch := acquireAsync(context.Background(), l)
	l.Release(false)
	l.Release(false)
	if !blocked(ch) {
		t.Fatal("acquire went through with 2 in use at limit 2")
	}
	l.Release(false)
	done(t, ch)
}

func TestLimiterGrowthWakesWaiters(t *testing.T) {
	l := NewLimiter(4)
	l.Throttled(t0) // 2
	take(2)(t, l)
	ch := acquireAsync(context.Background(), l)
	if !blocked(ch) {
		t.Fatal("acquire did not block at limit 2")
	}
	l.Succeeded()
	l.Succeeded() // limit 3: a slot more
	done(t, ch)
}

func TestLimiterAcquireHonoursCancellation(t *testing.T) {
	for _, inUse := range []int{0, 1} {
		t.Run(fmt.Sprintf("cancelled before, %d of 1 in use", inUse), func(t *testing.T) {
			l := NewLimiter(1)
			take(inUse)(t, l)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("acquire = %v, want context.Canceled", err)
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.inUse != inUse {
				t.Errorf("%d slots in use, want %d", l.inUse, inUse)
			}
		})
	}
	t.Run("cancelled while waiting", func(t *testing.T) {
		l := NewLimiter(1)
		take(1)(t, l)
		ctx, cancel := context.WithCancel(context.Background())
		ch := acquireAsync(ctx, l)
		if !blocked(ch) {
			t.Fatal("acquire did not block")
		}
		cancel()
		select {
		case err := <-ch:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("acquire = %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("acquire ignored the cancellation")
		}
		// The cancelled acquire took no slot.
		l.Release(true)
		done(t, acquireAsync(context.Background(), l))
	})
}

// TestLimiterConcurrent hammers the limiter from many goroutines, with
// 429s and successes changing the limit: never more slots are in use than
// the parallelism, and every slot comes back.
func TestLimiterConcurrent(t *testing.T) {
	const parallelism = 4
	l := NewLimiter(parallelism)
	var inUse, most atomic.Int64
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := inUse.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			accepted := i%3 != 0
			if accepted {
				l.Accept()
			}
			switch i % 4 {
			case 0:
				l.Throttled(time.Now())
			default:
				l.Succeeded()
			}
			inUse.Add(-1)
			l.Release(accepted)
		}()
	}
	wg.Wait()
	if m := most.Load(); m > parallelism {
		t.Errorf("%d slots in use at once, parallelism %d", m, parallelism)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inUse != 0 || l.accepted != 0 {
		t.Errorf("after all releases: inUse %d, accepted %d; want 0, 0", l.inUse, l.accepted)
	}
}
