package apply

import (
	"fmt"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// What a run that applies does before any image is obtained: the
// addresses moved blocks gave, every rename, every delete, the variants
// taken out.

// prepare does what needs no image, and returns the changes that write
// images or derive variants.
func (a *applying) prepare(p *plan.Plan) []*plan.Change {
	a.refresh(p.Refresh)
	a.recordCommitted(p.Committed)
	return a.fileOps(p.Changes)
}

// refresh counts the outputs whose content the plan verified at a new
// modification time (a fresh checkout). Their new times went into the
// checkout's stat cache when the plan was made; the state keeps the time
// the image was written, so that it changes only when an image does.
func (a *applying) refresh(refs []plan.Refresh) {
	a.report.count(func(s *Summary) { s.Refreshed += len(refs) })
}

// recordCommitted gives the images made from changes not committed then,
// which this checkout's commit holds now, that commit.
func (a *applying) recordCommitted(committed []plan.Committed) {
	if len(committed) == 0 {
		return
	}
	a.ckpt.update(func(st *state.State) {
		for _, c := range committed {
			if e := st.Images[c.Address]; e != nil && e.Uncommitted != nil {
				e.Revision, e.Uncommitted = c.Revision, nil
			}
		}
	})
	a.report.count(func(s *Summary) { s.Committed += len(committed) })
}

// fileOps does what needs no image, before anything is written: every
// rename (so that no new output lands on a file that is about to move),
// and every delete. It returns the changes that write images.
func (a *applying) fileOps(changes []*plan.Change) []*plan.Change {
	a.moveAddresses(changes)
	var moves []pendingMove
	for _, c := range changes {
		for _, m := range c.Moves {
			moves = append(moves, pendingMove{change: c, orig: m.From, from: m.From, to: m.To})
		}
	}
	// What each change's renames did: the ones that succeeded are recorded
	// even when another of the same change failed, so that the state says
	// where every file is.
	done := map[*plan.Change][]plan.Rename{}
	failed := map[*plan.Change]error{}
	for _, m := range a.renameAll(moves) {
		if m.err != nil {
			if failed[m.change] == nil {
				failed[m.change] = m.err
			}
			continue
		}
		done[m.change] = append(done[m.change], plan.Rename{From: m.orig, To: m.to})
	}
	var writes []*plan.Change
	for _, c := range changes {
		if len(done[c]) > 0 {
			a.recordMoves(c, done[c])
		}
		if err := failed[c]; err != nil {
			a.report.fail(c, err) // the rest of this change waits for the next run
			continue
		}
		switch {
		case c.Action == plan.Move && len(c.Derive) == 0 && len(c.Remove) == 0:
			a.report.count(func(s *Summary) { s.done(c.Action) })
			a.report.emit(Event{Type: EventFinished, Address: c.Address, Action: c.Action})
		case c.Action != plan.Delete && len(c.Write) == 0 && len(c.Derive) == 0:
			a.dropVariants(c) // variants taken out: no image needed
		case c.Action == plan.Delete:
			a.delete(c)
		default:
			writes = append(writes, c)
		}
	}
	return writes
}

// moveAddresses records, before anything else, the new addresses moved
// blocks gave recorded images: every later step finds them there.
func (a *applying) moveAddresses(changes []*plan.Change) {
	a.ckpt.update(func(st *state.State) {
		for _, c := range changes {
			if c.MovedFrom == "" {
				continue
			}
			if e, ok := st.Images[c.MovedFrom]; ok {
				if _, taken := st.Images[c.Address]; !taken {
					e.Revision, e.Uncommitted = c.Revision, c.Uncommitted
					st.Images[c.Address] = e
					delete(st.Images, c.MovedFrom)
				}
			}
		}
	})
}

type pendingMove struct {
	change *plan.Change
	orig   string // where the file was
	from   string // where it is now (a temporary name during a swap)
	to     string
	err    error
}

// renameAll performs the renames. When one's destination is another's
// source (two outputs swapping names), every file first goes to a
// temporary name, so that none is overwritten; a file whose second step
// fails is put back where it was.
func (a *applying) renameAll(moves []pendingMove) []pendingMove {
	sources := map[string]bool{}
	for _, m := range moves {
		sources[m.from] = true
	}
	swap := false
	for _, m := range moves {
		if sources[m.to] {
			swap = true
		}
	}
	for i := range moves {
		m := &moves[i]
		if !swap {
			if m.err = a.outputs.keep(m.change, m.to); m.err == nil {
				m.err = a.files.rename(m.from, m.to)
			}
			continue
		}
		tmp := fmt.Sprintf("%s.imgform-move-%d", m.from, i)
		if m.err = a.files.rename(m.from, tmp); m.err == nil {
			m.from = tmp
		}
	}
	if swap {
		for i := range moves {
			m := &moves[i]
			if m.err != nil {
				continue
			}
			if m.err = a.files.rename(m.from, m.to); m.err != nil && m.from != m.orig {
				if back := a.files.rename(m.from, m.orig); back != nil {
					m.err = fmt.Errorf("%w (and it could not be put back: it is at %s)", m.err, m.from)
				}
			}
		}
	}
	return moves
}

// recordMoves puts a change's renamed outputs into its state entry.
func (a *applying) recordMoves(c *plan.Change, moves []plan.Rename) {
	a.ckpt.update(func(st *state.State) {
		e := st.Images[c.Address]
		if e == nil {
			return
		}
		e.Revision, e.Uncommitted = c.Revision, c.Uncommitted
		// Each output moves once, by the rename of the path it had
		// before any of them: when two outputs swap names, one's new
		// path is the other's old one.
		for i, o := range e.Outputs {
			for _, m := range moves {
				if o.Path != m.From {
					continue
				}
				o.Path = m.To
				if fresh, err := a.files.stat(o); err == nil {
					o = fresh
				}
				e.Outputs[i] = o
				break
			}
		}
		for i, v := range e.Variants {
			for _, m := range moves {
				if v.Path != m.From {
					continue
				}
				v.Path = m.To
				if fresh, err := a.files.stat(v.File()); err == nil {
					v.ModTime = fresh.ModTime
				}
				e.Variants[i] = v
				break
			}
		}
	})
}

// delete removes a deleted image's outputs and its entry.
func (a *applying) delete(c *plan.Change) {
	for _, p := range c.Remove {
		if err := a.files.remove(p); err != nil {
			a.report.fail(c, err)
			return
		}
	}
	a.ckpt.update(func(st *state.State) { delete(st.Images, c.Address) })
	a.report.count(func(s *Summary) { s.done(c.Action) })
	a.report.emit(Event{Type: EventFinished, Address: c.Address, Action: c.Action})
}

// dropVariants carries out a change that needs no image: variants taken
// out of the configuration, their files removed (renames are done
// already), the entry left with the variants the change keeps.
func (a *applying) dropVariants(c *plan.Change) {
	for _, p := range c.Remove {
		if err := a.files.remove(p); err != nil {
			a.report.fail(c, err)
			return
		}
	}
	a.ckpt.update(func(st *state.State) {
		if e := st.Images[c.Address]; e != nil {
			e.Variants = withDerived(e.Variants, nil, c.Variants)
			if changesVariants(c) || e.Uncommitted != nil && c.Uncommitted == nil {
				e.Revision, e.Uncommitted = c.Revision, c.Uncommitted
			}
		}
	})
	a.report.count(func(s *Summary) { s.done(c.Action) })
	a.report.emit(Event{Type: EventFinished, Address: c.Address, Action: c.Action})
}

// changesVariants reports a change of the variants the configuration
// declares, which records the configuration's revision.
func changesVariants(c *plan.Change) bool {
	for _, r := range c.Reasons {
		switch r.Kind {
		case plan.ReasonVariantAdded, plan.ReasonVariantChanged, plan.ReasonVariantRemoved:
			return true
		}
	}
	return false
}
