package apply

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/state"
)

// costlySaver is a state.Saver whose saves take cost on the run's clock,
// and say when they began.
type costlySaver struct {
	clock *clockwork.FakeClock
	cost  time.Duration
	saves chan time.Time
	fail  error // when set, each save fails with it, after its cost
}

func (s *costlySaver) Save(context.Context, *state.State) (bool, error) {
	began := s.clock.Now()
	s.clock.Advance(s.cost)
	s.saves <- began
	if s.fail != nil {
		return false, s.fail
	}
	return true, nil
}

// checkpointRig drives a checkpointer: its ticks, and the run's clock.
type checkpointRig struct {
	t       *testing.T
	clock   *clockwork.FakeClock
	saver   *costlySaver
	ticks   chan time.Time
	handled chan struct{}
	c       *checkpointer
	n       int
}

func newCheckpointRig(t *testing.T, every time.Duration) *checkpointRig {
	clock := clockwork.NewFakeClock()
	r := &checkpointRig{t: t, clock: clock, saver: &costlySaver{clock: clock, saves: make(chan time.Time, 100)}, ticks: make(chan time.Time), handled: make(chan struct{})}
	r.c = startCheckpointer(t.Context(), r.saver, state.New(), every, clock, r.ticks, r.handled, false, func(err error) { t.Error(err) })
	return r
}

// change records an image in the state.
func (r *checkpointRig) change() {
	r.n++
	r.c.update(func(st *state.State) { st.Images[fmt.Sprintf("image.a[%d]", r.n)] = &state.Entry{} })
}

// tick is the loop's look at whether a save is due, done.
func (r *checkpointRig) tick() {
	r.ticks <- r.clock.Now()
	<-r.handled
}

// saved returns the time of the save the last tick made; none is a
// failure.
func (r *checkpointRig) saved() time.Time {
	r.t.Helper()
	select {
	case at := <-r.saver.saves:
		return at
	default:
		r.t.Fatal("no save")
		return time.Time{}
	}
}

func (r *checkpointRig) notSaved(why string) {
	r.t.Helper()
	select {
	case at := <-r.saver.saves:
		r.t.Fatalf("a save at %v: %s", at, why)
	default:
	}
}

// After a save that took 3 s on the run's clock, the next waits 30 s
// (ten times the cost), not the 1 s interval; a cheap save brings the
// interval back to 1 s; and the final save is made however soon it
// comes after the last.
func TestCheckpointIntervalFollowsTheSaveCost(t *testing.T) {
	r := newCheckpointRig(t, time.Second)
	start := r.clock.Now()
	r.saver.cost = 3 * time.Second
	r.change()
	r.tick()
	if at := r.saved(); !at.Equal(start) {
		t.Fatalf("the first save at %v, want at once", at.Sub(start))
	}
	r.change()
	r.clock.Advance(29 * time.Second)
	r.tick()
	r.notSaved("29 s after a save that took 3 s")
	r.clock.Advance(time.Second)
	r.saver.cost = 50 * time.Millisecond
	r.tick()
	if at := r.saved(); at.Sub(start) != 33*time.Second {
		t.Fatalf("the second save at %v, want at 33 s: 30 s after the first ended", at.Sub(start))
	}
	// Cheap again: a save at the next tick.
	r.saver.cost = 3 * time.Second
	r.change()
	r.tick()
	r.saved()
	// Costly: the next is not due for 30 s, but the end of the run saves.
	r.change()
	r.tick()
	r.notSaved("right after a save that took 3 s")
	if err := r.c.close(); err != nil {
		t.Fatal(err)
	}
	r.saved()
}

// However long a save takes, saving takes at most a tenth of a run that
// changes the state all the time, as long as the shortest interval allows.
func TestCheckpointsTakeATenthOfTheRun(t *testing.T) {
	for _, cost := range []time.Duration{10 * time.Millisecond, 700 * time.Millisecond, 2 * time.Second, 9 * time.Second} {
		t.Run(cost.String(), func(t *testing.T) {
			r := newCheckpointRig(t, time.Second)
			r.saver.cost = cost
			start := r.clock.Now()
			saves := 0
			for range 600 {
				r.change()
				r.clock.Advance(time.Second)
				r.tick()
				for len(r.saver.saves) > 0 {
					<-r.saver.saves
					saves++
				}
			}
			share := float64(time.Duration(saves)*cost) / float64(r.clock.Since(start))
			if saves < 5 || share > 0.1 {
				t.Errorf("%d saves of %v in %v: %.1f%% of the run", saves, cost, r.clock.Since(start), 100*share)
			}
			if cost <= 100*time.Millisecond && saves != 600 {
				t.Errorf("%d saves of %v in 600 ticks, want one at each", saves, cost)
			}
			if err := r.c.close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// However long a save took, the next is due within maxInterval: a crash
// never loses more than that of the run's records.
func TestCheckpointIntervalHasACeiling(t *testing.T) {
	r := newCheckpointRig(t, time.Second)
	r.saver.cost = 30 * time.Minute
	r.change()
	r.tick()
	r.saved()
	r.change()
	r.clock.Advance(maxInterval - time.Second)
	r.tick()
	r.notSaved("before the ceiling")
	r.clock.Advance(time.Second)
	r.tick()
	r.saved()
}

// A save that fails after a long wait (a server that timed out) does not
// stretch the interval: the next is tried at the next tick.
func TestFailedSaveKeepsThePace(t *testing.T) {
	clock := clockwork.NewFakeClock()
	saver := &costlySaver{clock: clock, saves: make(chan time.Time, 100), cost: 30 * time.Second, fail: fmt.Errorf("the server did not answer")}
	ticks, handled := make(chan time.Time), make(chan struct{})
	warned := 0
	c := startCheckpointer(t.Context(), saver, state.New(), time.Second, clock, ticks, handled, false, func(error) { warned++ })
	for i := range 3 {
		c.update(func(st *state.State) { st.Images[fmt.Sprintf("image.a[%d]", i)] = &state.Entry{} })
		ticks <- clock.Now()
		<-handled
		select {
		case <-saver.saves:
		default:
			t.Fatalf("tick %d after a failed save: no save tried", i)
		}
	}
	if warned != 3 {
		t.Errorf("%d warnings, want 3", warned)
	}
	saver.fail = nil
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
}
