package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/imgform/imgform/internal/state"
)

// History is what a plan asks of the version control the configuration
// is kept in: the revision checked out, whether another revision is in
// its history, and whether the checkout holds configuration changes an
// image was made from before they were committed. internal/gitrev
// answers for git. An error with a ShallowClone method that answers true
// says the history is too short to tell (a shallow clone).
type History interface {
	Head() string
	IsAncestor(ctx context.Context, rev string) (bool, error)
	Holds(ctx context.Context, base string, files map[string]string, since time.Time) (bool, error)
}

// shallow reports an error of History that says a shallow clone cannot
// tell.
func shallow(err error) bool {
	var s interface{ ShallowClone() bool }
	return errors.As(err, &s) && s.ShallowClone()
}

// LeftAlone is an image the plan would have deleted, replaced or moved,
// but leaves as it is: a newer configuration than this checkout's changed
// it (the revision the state records for it is not in this checkout's
// history, or it was made from changes not committed then that this
// checkout does not hold). Applying this checkout would undo a teammate's
// work.
type LeftAlone struct {
	Address  string
	Action   Action // what the plan would have done
	Revision string // the revision that last changed the image
	// Uncommitted is set when the image was made from changes not
	// committed on top of Revision.
	Uncommitted *state.Uncommitted
}

// Message says what was left alone, and why, for people.
func (l LeftAlone) Message() string {
	if u := l.Uncommitted; u != nil {
		by := ""
		if u.Host != "" {
			by = " by " + u.Host
		}
		return fmt.Sprintf("%s was made from changes not yet committed (on top of %s,%s at %s): left alone; pull when they are pushed, or --overwrite-newer",
			l.Address, ShortRevision(l.Revision), by, u.Time.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return fmt.Sprintf("%s was changed by a newer configuration (commit %s, not in this checkout): left alone; pull first", l.Address, ShortRevision(l.Revision))
}

// UncheckedError refuses to apply a plan made in a shallow clone whose
// history lacks the revisions of images it changes: whether they are
// older or newer than this checkout cannot be told, and paying to undo a
// teammate's work cannot be taken back.
type UncheckedError struct{ Addresses []string }

func (e *UncheckedError) Error() string {
	return fmt.Sprintf("this clone is shallow and lacks the revisions that last changed %d of the images this plan changes (%s), so it cannot tell whether a newer configuration made them; nothing was applied: fetch the history (git fetch --unshallow; in GitHub Actions, actions/checkout with fetch-depth: 0), or pass --overwrite-newer to apply regardless",
		len(e.Addresses), summarizeAddresses(e.Addresses, 3))
}

// CheckedHistory returns an *UncheckedError when the plan changes images
// whose revisions its shallow clone could not check: apply refuses it
// before paying for anything. plan and preview show such a plan.
func (p *Plan) CheckedHistory() error {
	if len(p.Unchecked) == 0 {
		return nil
	}
	return &UncheckedError{Addresses: p.Unchecked}
}

// summarizeAddresses names the first n addresses, and how many more.
func summarizeAddresses(addrs []string, n int) string {
	if len(addrs) <= n {
		return strings.Join(addrs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(addrs[:n], ", "), len(addrs)-n)
}

// ShortRevision is a commit hash as people read it: its first 7 digits.
func ShortRevision(rev string) string {
	if len(rev) > 7 {
		return rev[:7]
	}
	return rev
}

// changesConfig reports a change the configuration drives (as opposed to
// the files on disk, or the endpoint): a new image, a deleted one, one
// whose request changed, whose outputs or address moved, whose variants
// changed. These are the
// changes a checkout may only make to images its history has seen, and
// the ones that record its revision.
func changesConfig(c *Change) bool {
	switch {
	case c.Action == Create, c.Action == Delete:
		return true
	case c.Prior != nil && c.InputHash != c.Prior.InputHash:
		return true
	}
	return len(c.Moves) > 0 || c.MovedFrom != "" || variantsChanged(c)
}

// variantsChanged reports a change to the variants the configuration
// declares: one added, removed or with other attributes.
func variantsChanged(c *Change) bool {
	for _, r := range c.Reasons {
		if r.Kind == ReasonVariantAdded || r.Kind == ReasonVariantChanged || r.Kind == ReasonVariantRemoved {
			return true
		}
	}
	return c.Action == Derive && len(c.Remove) > 0
}

// checkRevisions sets the revision each change records, and takes out of
// changes those that would undo a newer configuration's work (unless
// opts.OverwriteNewer): they are returned as left alone. The addresses of
// changes whose revision a shallow clone cannot check are returned too:
// they stay in the plan, which apply then refuses.
func (b *builder) checkRevisions(changes []addressedChange) (kept []addressedChange, alone []LeftAlone, unchecked []string, err error) {
	head := ""
	if b.opts.History != nil {
		head = b.opts.History.Head()
	}
	kept = changes[:0]
	for _, ac := range changes {
		c := ac.c
		if !changesConfig(c) {
			if c.Prior != nil {
				c.Revision, c.Uncommitted = c.Prior.Revision, c.Prior.Uncommitted
				if b.committedNow(c.Prior) {
					c.Revision, c.Uncommitted = head, nil
				}
			}
			kept = append(kept, ac)
			continue
		}
		c.Revision, c.Uncommitted = head, b.opts.Uncommitted
		if c.Prior == nil || c.Prior.Revision == "" || b.opts.History == nil || b.opts.OverwriteNewer {
			kept = append(kept, ac)
			continue
		}
		seen, err := b.seen(c.Prior)
		switch {
		case shallow(err):
			unchecked = append(unchecked, c.Address)
			kept = append(kept, ac)
			continue
		case err != nil:
			return nil, nil, nil, fmt.Errorf("checking whether %s's revision is in this checkout's history: %w", c.Address, err)
		case seen:
			kept = append(kept, ac)
			continue
		}
		alone = append(alone, LeftAlone{Address: c.Address, Action: c.Action, Revision: c.Prior.Revision, Uncommitted: c.Prior.Uncommitted})
	}
	return kept, alone, unchecked, nil
}

// seen reports whether this checkout's configuration holds what made the
// entry: its revision is in the history, and, when it was made from
// changes not committed then, the checkout holds those changes too (it
// made them; or its files, or a commit since, have them, or a commit
// since changed them later still).
func (b *builder) seen(e *state.Entry) (bool, error) {
	seen, err := b.opts.History.IsAncestor(b.ctx, e.Revision)
	if err != nil || !seen || e.Uncommitted == nil {
		return seen, err
	}
	if e.Uncommitted.Checkout != "" && e.Uncommitted.Checkout == b.opts.Checkout {
		return true, nil // this checkout's own changes
	}
	return b.opts.History.Holds(b.ctx, e.Revision, e.Uncommitted.Files, e.Uncommitted.Time)
}

// committedNow reports an entry of a shared state made from changes not
// committed then, which this checkout, committed and unchanged, holds
// and makes as it is: it takes this checkout's commit.
func (b *builder) committedNow(e *state.Entry) bool {
	if e == nil || e.Uncommitted == nil || b.opts.History == nil || b.opts.Uncommitted != nil || !b.opts.SharedState {
		return false
	}
	seen, err := b.seen(e)
	return err == nil && seen
}
