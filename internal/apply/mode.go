package apply

import (
	"context"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
)

// mode is what a run is for, chosen once as it starts (Options.Preview):
// applying writes the outputs and records them in the state; previewing
// only hands the images to the preview.
type mode interface {
	// prepare does what needs no image, and returns the changes that
	// need one.
	prepare(p *plan.Plan) []*plan.Change
	// finish does what the run is for with the images of a change whose
	// work started at start.
	finish(ctx context.Context, c *plan.Change, got *obtained, start time.Time)
	// saveAfterLoss is the final save of a run that lost its lock: it
	// says whether the state was saved, or why not.
	saveAfterLoss(ctx context.Context, store Store) (bool, error)
}

// previewing is the mode of imgform preview: every image the changes
// need is obtained as apply would, and handed to show; no file is
// written, moved or removed, and the state is not changed.
type previewing struct {
	show    func(c *plan.Change, imgs []model.Image) error
	journal *journal
	report  *report
	clock   clockwork.Clock
}

// prepare keeps the changes that write images or derive variants: the
// ones a preview shows new images (or crops) for.
func (v *previewing) prepare(p *plan.Plan) []*plan.Change {
	var out []*plan.Change
	for _, c := range p.Changes {
		if len(c.Write) > 0 || len(c.Derive) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// finish hands the images over. A preview records nothing: the cache
// answers for the job (or, kept for other runners, the job itself).
func (v *previewing) finish(_ context.Context, c *plan.Change, got *obtained, start time.Time) {
	v.journal.retire(c.Address, jobOf(got))
	if err := v.show(c, got.images); err != nil {
		v.report.fail(c, err)
		return
	}
	v.report.finished(c, got, v.clock.Since(start), false)
}

// saveAfterLoss saves nothing: a preview changed no state.
func (v *previewing) saveAfterLoss(context.Context, Store) (bool, error) { return false, nil }
