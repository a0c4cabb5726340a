package apply

import (
	"fmt"

	"github.com/imgform/imgform/internal/state"
)

// Lock is the state lock a run holds (Options.Lock): the engine watches
// it, and stops paying for images the moment it is lost.
type Lock interface {
	Info() state.LockInfo
	Lost() <-chan struct{}
	Err() error
}

// LockLostError ends a run that lost its state lock: another run may hold
// it now. Nothing was submitted after the loss was found (each billable
// request is preceded by a journal write fenced by the lock); the jobs in
// flight were followed to their images, which went to the cache only.
type LockLostError struct {
	Err error // why the lock was lost (a *state.LockLostError)
	// Stranded counts the images that reached the cache after the loss
	// and were not written: the next apply writes them for free.
	Stranded int
	// Saved says whether the state was saved at the end: only when the
	// lock could be taken again (nobody else holds it) and the state was
	// still the one this run read. SaveErr says why not.
	Saved   bool
	SaveErr error
}

func (e *LockLostError) Error() string {
	msg := e.Err.Error() + ": no image was submitted after that"
	if e.Stranded > 0 {
		msg += fmt.Sprintf("; %d %s in flight reached the cache and %s not written (the next apply writes %s for free)",
			e.Stranded, plural(e.Stranded, "image", "images"), plural(e.Stranded, "was", "were"), plural(e.Stranded, "it", "them"))
	}
	switch {
	case e.Saved:
		msg += "; nobody else held the lock, so the state was saved with what this run finished before"
	case e.SaveErr != nil:
		msg += "; the state was not saved (" + e.SaveErr.Error() + "): what this run finished is in the cache, and the next plan finds it there"
	}
	return msg
}

func (e *LockLostError) Unwrap() error { return e.Err }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
