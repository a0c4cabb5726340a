package apply

import (
	"context"
	"sync"
	"time"

	"github.com/imgform/imgform/internal/state"
)

// checkpointer owns the run's state: workers record finished images in it,
// and it is saved at most once per interval while the run goes on, and
// always at the end. A killed run loses at most the last interval's
// records, and the cache still holds those images.
type checkpointer struct {
	saver state.Saver
	ctx   context.Context
	every time.Duration
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
	stop   chan struct{}
	done   chan struct{}
}

// newCheckpointer saves st with saver. Saves go on after ctx is
// cancelled: the final save of an interrupted run is the one that must
// not be lost.
func newCheckpointer(ctx context.Context, saver state.Saver, st *state.State, every time.Duration, readOnly bool, warn func(error)) *checkpointer {
	c := &checkpointer{saver: saver, ctx: context.WithoutCancel(ctx), st: st, readOnly: readOnly, every: every, warn: warn, stop: make(chan struct{}), done: make(chan struct{})}
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
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.flush(); err != nil {
				c.warn(err)
			}
		}
	}
}

// suspend stops the saves, for a run that lost its lock: its final save
// is made under the lock taken again, or not at all.
func (c *checkpointer) suspend() {
	c.mu.Lock()
	c.suspended = true
	c.mu.Unlock()
}

// flush saves the state when it changed since the last save.
func (c *checkpointer) flush() error {
	if c.readOnly {
		return nil
	}
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.mu.Lock()
	if !c.dirty || c.suspended {
		c.mu.Unlock()
		return nil
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
		return err
	}
	for _, then := range hooks {
		then()
	}
	return nil
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
	return c.flush()
}
