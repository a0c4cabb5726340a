package generate

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The spacing is the interval of the rate plus the margin: 2% of it, or
// 50 ms when that is more.
func TestSpacing(t *testing.T) {
	for _, tt := range []struct {
		perMinute float64
		want      time.Duration
	}{
		{perMinute: 0, want: 0},
		{perMinute: 30, want: 2*time.Second + 50*time.Millisecond},         // 2% is 40ms: 50ms
		{perMinute: 5, want: 12*time.Second + 240*time.Millisecond},        // 2% of 12s
		{perMinute: 600, want: 100*time.Millisecond + 50*time.Millisecond}, // 10/s
	} {
		if got := Spacing(tt.perMinute); got != tt.want {
			t.Errorf("Spacing(%v) = %v, want %v", tt.perMinute, got, tt.want)
		}
	}
	if got, want := SendingTime(6, 30), 5*(2*time.Second+50*time.Millisecond); got != want {
		t.Errorf("SendingTime(6, 30) = %v, want %v", got, want)
	}
	if SendingTime(1, 30) != 0 || SendingTime(6, 0) != 0 {
		t.Error("one request, or no rate, takes no sending time")
	}
}

// Six workers asking at once at 30/min: the first goes at once, and no
// two go closer than the spacing, on a driven clock.
func TestPaceSpacesRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPace(30, nil)
		start := time.Now()
		var (
			mu    sync.Mutex
			times []time.Time
			wg    sync.WaitGroup
		)
		for range 6 {
			wg.Go(func() {
				if err := p.Wait(t.Context()); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				times = append(times, time.Now())
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(times) != 6 {
			t.Fatalf("%d requests went, want 6", len(times))
		}
		if !times[0].Equal(start) {
			t.Errorf("the first request waited %v", times[0].Sub(start))
		}
		for i := 1; i < len(times); i++ {
			if gap := times[i].Sub(times[i-1]); gap < Spacing(30) {
				t.Errorf("requests %d and %d went %v apart, want at least %v", i-1, i, gap, Spacing(30))
			}
		}
		if took, want := times[5].Sub(start), SendingTime(6, 30); took != want {
			t.Errorf("six requests took %v, want %v", took, want)
		}
	})
}

// A request let go late (its worker was busy, or asked later) pushes the
// next one back: the spacing counts from when a request went, not from
// when it was due.
func TestPaceCountsFromTheLastRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPace(60, nil) // one a second, 1.05 s apart
		if err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second) // idle: the next goes at once, no burst builds up
		first := time.Now()
		for range 2 {
			if err := p.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(first); got != Spacing(60) {
			t.Errorf("two requests after an idle while took %v, want one spacing (%v): the second waits for the first", got, Spacing(60))
		}
	})
}

// What comes between a request's turn and its going (the journal write
// before a billable request) does not shorten the spacing: the next turn
// counts from Go, and waits for it; a turn given back unused (Cancel)
// leaves the spacing where the last request that went put it.
func TestPaceCountsFromGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPace(60, nil)
		turn, err := p.Take(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		next := make(chan time.Time)
		go func() {
			if err := p.Wait(t.Context()); err != nil {
				t.Error(err)
			}
			next <- time.Now()
		}()
		time.Sleep(300 * time.Millisecond) // the journal write, say
		went := time.Now()
		turn.Go()
		if got := (<-next).Sub(went); got != Spacing(60) {
			t.Errorf("the next request went %v after the first went, want %v", got, Spacing(60))
		}
		unused, err := p.Take(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		unused.Cancel()
		unused.Go() // after Cancel: nothing
		start := time.Now()
		if err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 0 {
			t.Errorf("a request after a turn given back waited %v, want none: the spacing counts from the last that went", got)
		}
	})
}

// A waiter whose context ends returns at once and takes no turn: the
// next request is spaced from the last one that went.
func TestPaceWaitCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPace(30, nil)
		if err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		if err := p.Wait(ctx); err == nil {
			t.Fatal("a cancelled wait returned no error")
		}
		if waited := time.Since(start); waited != 500*time.Millisecond {
			t.Errorf("the cancelled wait took %v, want the 500ms of its context", waited)
		}
		if err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != Spacing(30) {
			t.Errorf("the next request went %v after the last, want %v", got, Spacing(30))
		}
	})
}

// 429s that keep coming lower the rate by a fifth, a lone one does not;
// the spacing follows.
func TestPaceThrottled(t *testing.T) {
	if p := NewPace(0, nil); p != nil || p.Wait(t.Context()) != nil || p.PerMinute() != 0 {
		t.Fatal("a zero rate paces")
	}
	p := NewPace(600, nil)
	now := time.Now()
	if r, lowered := p.Throttled(now); lowered || r != 600 {
		t.Errorf("a first 429 lowered the rate to %v", r)
	}
	if r, lowered := p.Throttled(now.Add(time.Second)); !lowered || r != 480 {
		t.Errorf("a second 429 at once: rate %v, lowered %v; want 480", r, lowered)
	}
	if p.spacing != Spacing(480) {
		t.Errorf("spacing %v after the cut, want %v", p.spacing, Spacing(480))
	}
	if r, lowered := p.Throttled(now.Add(time.Minute)); lowered || r != 480 {
		t.Errorf("a 429 a minute later: rate %v, lowered %v", r, lowered)
	}
	slow := NewPace(1, nil)
	slow.Throttled(now)
	if r, _ := slow.Throttled(now); r != 1 {
		t.Errorf("the rate went below 1/min: %v", r)
	}
}
