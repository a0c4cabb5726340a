package waitfor

import (
	"sync/atomic"
	"testing"
	"time"
)

// Until returns as soon as the event happened, and false when it never
// does.
func TestUntil(t *testing.T) {
	var n atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 {
			n.Add(1)
		}
	}()
	if !Until(time.Minute, func() bool { return n.Load() == 3 }) {
		t.Fatal("Until gave up on an event that happened")
	}
	<-done
	if Until(20*time.Millisecond, func() bool { return false }) {
		t.Error("Until reported an event that never happened")
	}
}
