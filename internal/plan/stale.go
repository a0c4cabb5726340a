package plan

import (
	"context"
	"fmt"
)

// History is what a plan asks of the version control the configuration
// is kept in: the revision checked out, and whether another revision is
// in its history. internal/gitrev answers for git.
type History interface {
	Head() string
	IsAncestor(ctx context.Context, rev string) (bool, error)
}

// LeftAlone is an image the plan would have deleted, replaced or moved,
// but leaves as it is: a newer configuration than this checkout's changed
// it (the revision the state records for it is not in this checkout's
// history). Applying this checkout would undo a teammate's work.
type LeftAlone struct {
	Address  string
	Action   Action // what the plan would have done
	Revision string // the revision that last changed the image
}

// Message says what was left alone, and why, for people.
func (l LeftAlone) Message() string {
	return fmt.Sprintf("%s was changed by a newer configuration (commit %s, not in this checkout): left alone; pull first", l.Address, shortRevision(l.Revision))
}

func shortRevision(rev string) string {
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
// opts.OverwriteNewer): they are returned as left alone.
func (b *builder) checkRevisions(changes []addressedChange) ([]addressedChange, []LeftAlone, error) {
	head := ""
	if b.opts.History != nil {
		head = b.opts.History.Head()
	}
	kept := changes[:0]
	var alone []LeftAlone
	for _, ac := range changes {
		c := ac.c
		if !changesConfig(c) {
			if c.Prior != nil {
				c.Revision = c.Prior.Revision
			}
			kept = append(kept, ac)
			continue
		}
		c.Revision = head
		if c.Prior == nil || c.Prior.Revision == "" || b.opts.History == nil || b.opts.OverwriteNewer {
			kept = append(kept, ac)
			continue
		}
		seen, err := b.opts.History.IsAncestor(b.ctx, c.Prior.Revision)
		if err != nil {
			return nil, nil, fmt.Errorf("checking whether %s's revision is in this checkout's history: %w", c.Address, err)
		}
		if seen {
			kept = append(kept, ac)
			continue
		}
		alone = append(alone, LeftAlone{Address: c.Address, Action: c.Action, Revision: c.Prior.Revision})
	}
	return kept, alone, nil
}
