package apply

import (
	"fmt"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// outputs writes the files a change makes (its outputs and variants):
// a file that is not what the state recorded is kept first (keeper), and
// a write that fails for want of space stops the run, since every other
// image would fail the same way after being paid for.
type outputs struct {
	files  files
	keeper *keeper
	report *report
	gate   *gate
}

// keep keeps a copy of the file at rel, when it is not what the state
// recorded, before the change writes over it.
func (o *outputs) keep(c *plan.Change, rel string) error {
	kept, err := o.keeper.keep(rel, c.OtherVersions)
	if err != nil {
		return err
	}
	if kept != "" {
		o.report.count(func(s *Summary) { s.Kept, s.KeptIn = s.Kept+1, o.keeper.run })
		o.report.emit(Event{Type: EventKept, Address: c.Address, Path: rel,
			Message: fmt.Sprintf("%s was not what imgform wrote; it is kept in %s before being written over", rel, kept)})
	}
	return nil
}

// write writes data to rel atomically; what names the file in the error
// that stops the run when the disk is full ("an output", "a variant").
func (o *outputs) write(rel string, data []byte, what string) (state.Output, error) {
	out, err := o.files.write(rel, data)
	if err != nil && isDiskFull(err) {
		o.gate.fatal(&FatalError{Err: fmt.Errorf("%s cannot be written, so no new image is submitted: %w", what, err)})
	}
	return out, err
}
