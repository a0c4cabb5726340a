package generate

import (
	"testing"
	"time"
)

// Requests are spaced at the rate, the first at once; 429s that keep
// coming lower it by a fifth, a lone one does not.
func TestPace(t *testing.T) {
	if p := NewPace(0); p != nil || p.Wait(t.Context()) != nil || p.PerMinute() != 0 {
		t.Fatal("a zero rate paces")
	}
	p := NewPace(600) // ten a second
	start := time.Now()
	for range 6 {
		if err := p.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("six requests at 10/s took %s, want at least 0.5s", took)
	}
	now := time.Now()
	if r, lowered := p.Throttled(now); lowered || r != 600 {
		t.Errorf("a first 429 lowered the rate to %v", r)
	}
	if r, lowered := p.Throttled(now.Add(time.Second)); !lowered || r != 480 {
		t.Errorf("a second 429 at once: rate %v, lowered %v; want 480", r, lowered)
	}
	if r, lowered := p.Throttled(now.Add(time.Minute)); lowered || r != 480 {
		t.Errorf("a 429 a minute later: rate %v, lowered %v", r, lowered)
	}
	slow := NewPace(1)
	slow.Throttled(now)
	if r, _ := slow.Throttled(now); r != 1 {
		t.Errorf("the rate went below 1/min: %v", r)
	}
}
