package apply

import (
	"context"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/state"
)

// checkpointer owns the run's state: workers record finished images in it,
// and it is saved at most once per interval while the run goes on, and
// always at the end. A killed run loses at most the last interval's
// records, and the cache still holds those images.
//
// The interval adapts to what a save costs, so that saving never takes
// more than a tenth of the run: after each save, the next waits at least
// ten times as long as that save took (and at least every, the shortest
// interval), as the run's clock tells. A save of a state of 100,000
// images that takes a second is made every ten seconds, not every second.
type checkpointer struct {
	saver state.Saver
	ctx   context.Context
	every time.Duration
	clock clockwork.Clock
	ticks <-chan time.Time // every: when to look whether a save is due
	// handled, when set (by a test), is sent to once a tick is handled.
	handled chan<- struct{}
	// readOnly is set for a preview, which changes no state: nothing is
	// saved.
	readOnly bool
	warn     func(error)

	mu        sync.Mutex
	st        *state.State
	dirty     bool
	suspended bool     // the run lost its lock: nothing more is saved here
	onSaved   []func() // run once a save holds the updates made before them

	saveMu sync.Mutex // one save at a time
	// The loop's pace: when the last save ended, and how long after it
	// the next is due.
	lastSave time.Time
	interval time.Duration
	stop     chan struct{}
	done     chan struct{}
}

// costFactor is how many times what a save took the next one waits: the
// checkpoints take at most 1/(costFactor+1) of the run, under 10%.
const costFactor = 10

// newCheckpointer saves st with saver, looking every interval whether a
// save is due; clock is the run's (what a save took, and how long ago the
// last ended). Saves go on after ctx is cancelled: the final save of an
// interrupted run is the one that must not be lost.
func newCheckpointer(ctx context.Context, saver state.Saver, st *state.State, every time.Duration, clock clockwork.Clock, readOnly bool, warn func(error)) *checkpointer {
	t := time.NewTicker(every)
	c := startCheckpointer(ctx, saver, st, every, clock, t.C, nil, readOnly, warn)
	go func() {
		<-c.done
		t.Stop()
	}()
	return c
}

// startCheckpointer is newCheckpointer looking whether a save is due at
// each of ticks, and saying so on handled when it is not nil (a test
// sends the ticks, and waits for each to be handled).
func startCheckpointer(ctx context.Context, saver state.Saver, st *state.State, every time.Duration, clock clockwork.Clock, ticks <-chan time.Time, handled chan<- struct{}, readOnly bool, warn func(error)) *checkpointer {
	c := &checkpointer{saver: saver, ctx: context.WithoutCancel(ctx), st: st, readOnly: readOnly, every: every, clock: clock, ticks: ticks, handled: handled,
		interval: every, warn: warn, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// update changes the state; the change is saved by the next checkpoint.
func (c *checkpointer) update(fn func(st *state.State)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.st)
	c.dirty = true
}

// updateThen changes the state, and runs then once a save holds the
// change: what must wait until the state records an image (dropping its
// job's journal record) waits for it.
func (c *checkpointer) updateThen(fn func(st *state.State), then func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.st)
	c.dirty = true
	c.onSaved = append(c.onSaved, then)
}

// read runs fn with the state, for a consistent look at it.
func (c *checkpointer) read(fn func(st *state.State)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.st)
}

func (c *checkpointer) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.ticks:
			c.tick()
			if c.handled != nil {
				c.handled <- struct{}{}
			}
		}
	}
}

// tick saves when a save is due: at each tick while saves cost little
// (the interval is every); after a costly one, once the run's clock says
// the interval it set has passed.
func (c *checkpointer) tick() {
	if c.interval > c.every && c.clock.Since(c.lastSave) < c.interval {
		return
	}
	start := c.clock.Now()
	saved, err := c.flush()
	if err != nil {
		// A save that failed (a server that timed out, say) says nothing
		// of what the next costs: it is tried at the same pace.
		c.warn(err)
		return
	}
	if saved {
		c.lastSave = c.clock.Now()
		c.interval = nextInterval(c.every, c.lastSave.Sub(start))
	}
}

// nextInterval is the time to wait after a save that took cost: the
// shortest interval, or costFactor times the cost, but never more than
// maxInterval (a crash loses at most that much of the run's records; the
// cache still holds their images).
func nextInterval(every, cost time.Duration) time.Duration {
	return max(every, min(costFactor*cost, maxInterval))
}

// maxInterval is the longest time between two checkpoints.
const maxInterval = 2 * time.Minute

// suspend stops the saves, for a run that lost its lock: its final save
// is made under the lock taken again, or not at all.
func (c *checkpointer) suspend() {
	c.mu.Lock()
	c.suspended = true
	c.mu.Unlock()
}

// flush saves the state when it changed since the last save, and
// reports whether it tried (the copy, the compare and the write a save
// costs).
func (c *checkpointer) flush() (bool, error) {
	if c.readOnly {
		return false, nil
	}
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.mu.Lock()
	if !c.dirty || c.suspended {
		c.mu.Unlock()
		return false, nil
	}
	snapshot := c.st.Clone()
	c.dirty = false
	hooks := c.onSaved
	c.onSaved = nil
	c.mu.Unlock()
	if _, err := c.saver.Save(c.ctx, snapshot); err != nil {
		c.mu.Lock()
		c.dirty = true
		c.onSaved = append(hooks, c.onSaved...)
		c.mu.Unlock()
		return true, err
	}
	for _, then := range hooks {
		then()
	}
	return true, nil
}

// saved runs what waited for a save, after one made outside the
// checkpointer (the save of a run that lost its lock, under the lock
// taken again) that holds every update so far.
func (c *checkpointer) saved() {
	c.mu.Lock()
	hooks := c.onSaved
	c.onSaved = nil
	c.mu.Unlock()
	for _, then := range hooks {
		then()
	}
}

// close stops the periodic saves and saves what is left.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	c.mu.Lock()
	c.dirty = true // the final save writes whatever differs from the file
	c.mu.Unlock()
	_, err := c.flush()
	return err
}
