package apply

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/segmind/emulator"
	"github.com/imgform/imgform/internal/spec"
)

// A 429 is waited out on the run's clock: the run stands still until the
// test moves that clock by the Retry-After the emulator named, and the
// request sent then is the only one after the 429. The emulator's rate
// window follows a clock of its own, moved first, so that a retry sent
// early would meet a second 429.
func TestThrottleWaitFollowsTheEngineClock(t *testing.T) {
	serverClock, runClock := clockwork.NewFakeClock(), clockwork.NewFakeClock()
	w := newWorkspace(t).withEmulator(emulator.Options{Credits: -1, RPM: 60, RPMBurst: 1, Clock: serverClock}, "k")
	throttled := make(chan Event, 1)
	rec := &recorder{hook: func(e Event) {
		if e.Type == EventThrottled {
			throttled <- e
		}
	}}
	opts := w.options()
	opts.Parallelism, opts.Retry, opts.Events, opts.Clock = 1, generate.DefaultRetryPolicy, rec, runClock
	images := []*spec.Image{testImage("first", 0, "a lighthouse", "first.png"), testImage("second", 1, "a harbour", "second.png")}

	done := make(chan error, 1)
	var s *Summary
	go func() {
		var err error
		s, err = w.apply(context.Background(), images, opts)
		done <- err
	}()
	var e Event
	select {
	case e = <-throttled:
	case err := <-done:
		t.Fatalf("the run ended without a 429 (%v)", err)
	}
	if e.Delay != time.Second {
		t.Errorf("the wait after the 429 is %v, want the 1 s the emulator named", e.Delay)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := runClock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("the run does not wait on its clock: %v", err)
	}
	serverClock.Advance(time.Second)
	runClock.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.Generated != 2 || len(s.Failed) != 0 {
		t.Errorf("generated %d, failed %+v; want both images", s.Generated, s.Failed)
	}
	if st := w.emu.Stats(); st.RateLimited != 1 || st.JobsSubmitted != 2 {
		t.Errorf("%d answered 429 and %d submitted, want 1 and 2", st.RateLimited, st.JobsSubmitted)
	}
}

// How old a pending record is, is read on the run's clock: a live
// writer's record is a request that may still be in flight until
// PendingInFlight has passed since it was written, not a moment longer.
func TestPendingRecordAgeFollowsTheEngineClock(t *testing.T) {
	written := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, tc := range map[string]struct {
		age  time.Duration
		want string
	}{
		"a nanosecond short": {PendingInFlight - time.Nanosecond, "may still be: nothing is paid for it in this run"},
		"its time is up":     {PendingInFlight, "possibly billed: "},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorkspace(t).withEmulator(quick, "k")
			hero := testImage("hero", 0, "a lighthouse", "hero.png")
			recordPending(t, w, hero, livePID(t), written)
			opts := w.options()
			opts.Clock = clockwork.NewFakeClockAt(written.Add(tc.age))
			s, err := w.apply(context.Background(), []*spec.Image{hero}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Failed) != 1 || !strings.Contains(s.Failed[0].Reason, tc.want) {
				t.Errorf("failed %+v, want the image failed with %q", s.Failed, tc.want)
			}
			if n := w.emu.Stats().JobsSubmitted; n != 0 {
				t.Errorf("%d jobs submitted", n)
			}
		})
	}
}
