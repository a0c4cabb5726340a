package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// applying is the mode of a run that applies the plan: it moves and
// removes files, writes each change's outputs and variants, and records
// them in the state.
type applying struct {
	files   files
	outputs *outputs
	ckpt    *checkpointer
	deriver *deriver
	journal *journal
	gate    *gate
	report  *report
	clock   clockwork.Clock
}

// finish writes a change's outputs and records them in the state; the
// journal record of its job is retired once a saved state holds them.
// Once the run has lost its lock, nothing is written.
func (a *applying) finish(ctx context.Context, c *plan.Change, got *obtained, start time.Time) {
	if a.gate.lost() != nil {
		// Another run may hold the lock now, and write these outputs: the
		// images stay in the cache, for the next apply to write for free.
		a.report.count(func(s *Summary) {
			s.Stranded++
			s.NotStarted++
			if got.source == FromAPI {
				s.Generated += len(got.images) // paid in this run, written by the next
			}
		})
		return
	}
	entry, written, err := a.writeOutputs(c, got)
	if err == nil {
		err = a.keepUnwritten(c, got, entry, written)
	}
	if err != nil {
		a.report.fail(c, err)
		return
	}
	for _, p := range c.Remove {
		if err := a.files.remove(p); err != nil {
			a.report.emit(Event{Type: EventWarning, Address: c.Address, Message: err.Error()})
		}
	}
	job := jobOf(got)
	a.ckpt.updateThen(func(st *state.State) { st.Images[c.Address] = entry }, func() { a.journal.retire(c.Address, job) })
	if len(c.Derive) > 0 {
		a.deriveThenFinish(ctx, c, got, start)
		return
	}
	a.report.finished(c, got, a.clock.Since(start), true)
}

// writeOutputs writes the outputs the change writes, in their formats
// and with their provenance, and returns the state's entry for the image
// with those outputs recorded, and which they are. An output that cannot
// be written for want of space stops the run: every other image would
// fail the same way, after being paid for.
func (a *applying) writeOutputs(c *plan.Change, got *obtained) (*state.Entry, map[int]bool, error) {
	entry := &state.Entry{
		InputHash:   c.InputHash,
		Request:     *c.Request,
		SeedOrigin:  c.SeedOrigin,
		Generator:   got.generator,
		Endpoint:    got.endpoint,
		Placeholder: got.placeholder,
		CostUSD:     a.imageCost(c, got),
		Revision:    c.Revision,
		Uncommitted: c.Uncommitted,
		Outputs:     make([]state.Output, len(c.Outputs)),
	}
	written := map[int]bool{}
	prov := origin{Address: c.Address, InputHash: c.InputHash, Request: *c.Request}
	for _, i := range c.Write {
		data, err := encodeOutput(got.images[i].Data, spec.OutputFormat(c.Outputs[i]), prov)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.Outputs[i], err)
		}
		if err := a.outputs.keep(c, c.Outputs[i]); err != nil {
			return nil, nil, err
		}
		out, err := a.outputs.write(c.Outputs[i], data, "an output")
		if err != nil {
			return nil, nil, err
		}
		out.RequestID, out.InferenceTime = got.requestID, got.inferenceTime
		out.SourceSHA256 = got.images[i].Sum()
		entry.Outputs[i] = out
		written[i] = true
	}
	return entry, written, nil
}

// keepUnwritten completes a restore's entry with the outputs it did not
// rewrite, as the state recorded them (with the paths the renames gave
// them). The image keeps what made its other outputs, unless a
// placeholder was written now: then it is offline-made, so that a plan
// without --offline replaces it.
func (a *applying) keepUnwritten(c *plan.Change, got *obtained, entry *state.Entry, written map[int]bool) error {
	var err error
	a.ckpt.read(func(st *state.State) {
		prior := st.Images[c.Address]
		entry.Variants = carriedVariants(c, prior)
		for i := range entry.Outputs {
			if written[i] {
				continue
			}
			if prior == nil || i >= len(prior.Outputs) {
				err = fmt.Errorf("the state has no record of output %d", i)
				return
			}
			entry.Outputs[i] = prior.Outputs[i]
			if got.generator != state.GeneratorOffline {
				entry.Generator, entry.Endpoint, entry.Placeholder = prior.Generator, prior.Endpoint, prior.Placeholder
			}
		}
	})
	return err
}

// deriveThenFinish derives the change's variants in the background from
// its images, records them in the state, and then says the change is
// finished (or failed).
func (a *applying) deriveThenFinish(ctx context.Context, c *plan.Change, got *obtained, start time.Time) {
	a.deriver.start(ctx, c, got, func(records map[int]state.Variant, err error) {
		if len(records) > 0 {
			a.ckpt.update(func(st *state.State) {
				if e := st.Images[c.Address]; e != nil {
					e.Variants = withDerived(e.Variants, records, c.Variants)
				}
			})
			a.report.count(func(s *Summary) { s.Derived += len(records) })
		}
		switch {
		case errors.Is(err, errSubmitsStopped):
			a.report.count(func(s *Summary) { s.NotStarted++ })
		case err != nil:
			a.report.fail(c, err)
		default:
			a.report.finished(c, got, a.clock.Since(start), true)
		}
	})
}

// imageCost is what the state records that a change's image cost when it
// was made: what the provider charged, or its price; for a copy from the
// cache, what the cache or the state recorded of it; nothing for an
// offline placeholder.
func (a *applying) imageCost(c *plan.Change, got *obtained) float64 {
	switch {
	case got.generator != state.GeneratorAPI:
		return 0
	case got.costUSD > 0:
		return got.costUSD
	case got.source == FromJob:
		return requestCost(*c.Request)
	}
	var prior float64
	a.ckpt.read(func(st *state.State) {
		if e := st.Images[c.Address]; e != nil && e.InputHash == c.InputHash {
			prior = e.CostUSD
		}
	})
	return prior
}

// saveAfterLoss is the final save of a run that lost its lock: only under
// the lock taken again (so that no other run holds it, and none can start
// before the save is done), as a compare-and-swap on the state this run
// read.
func (a *applying) saveAfterLoss(ctx context.Context, store Store) (bool, error) {
	ctx = context.WithoutCancel(ctx)
	l, err := store.Lock(ctx, state.LockOptions{Operation: "apply (saving what it finished before losing the lock)"})
	if err != nil {
		var locked *state.LockedError
		if errors.As(err, &locked) {
			return false, errors.New("another run holds the lock now")
		}
		return false, err
	}
	defer l.Unlock()
	var snapshot *state.State
	a.ckpt.read(func(st *state.State) { snapshot = st.Clone() })
	if _, err := store.Save(ctx, snapshot); err != nil {
		return false, err
	}
	a.ckpt.saved()
	return true, nil
}
