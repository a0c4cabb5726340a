package plan

import (
	"errors"
	"fmt"
	"sort"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// applyMoves returns the state's images as the configuration's moved
// blocks rename them, and for each address a move gave, the address it had
// in the state. st itself is not changed. A move whose from the state does
// not record does nothing; one whose to the state already records (and
// that no other move frees) is refused.
func applyMoves(st *state.State, moves []spec.Move) (map[string]*state.Entry, map[string]string, error) {
	if len(moves) == 0 {
		return st.Images, nil, nil
	}
	return rename(st, renamesFor(st, moves), func(old, to string) error {
		return fmt.Errorf("a moved block moves %s to %s, but the state already records %s; remove one of them first with imgform state rm", old, to, to)
	})
}

// ErrMoveKinds is a move of a block to an instance, or the reverse.
var ErrMoveKinds = errors.New(`move a whole block to a block (image.a image.b) or one instance to one instance (image.a["x"] image.b["x"])`)

// MoveInState renames images in st as imgform state mv asks: the image
// src, or when src names a block the state does not record as one image,
// every instance of it, each keeping its key. It returns the moves made,
// by old address. An address the move would take that the state already
// records (and that the move does not free) is refused, and st is left as
// it was.
func MoveInState(st *state.State, src, dst spec.Address) (map[string]string, error) {
	if (src.Kind == spec.NoKey) != (dst.Kind == spec.NoKey) {
		return nil, ErrMoveKinds
	}
	renames := map[string]string{}
	if _, ok := st.Images[src.String()]; ok {
		renames[src.String()] = dst.String()
	} else if src.Kind == spec.NoKey {
		renames = renamesFor(st, []spec.Move{{From: src, To: dst}})
	}
	if len(renames) == 0 {
		return nil, fmt.Errorf("the state has no image %s", src)
	}
	images, _, err := rename(st, renames, func(_, to string) error {
		return fmt.Errorf("the state already has an image %s; remove it first with imgform state rm", to)
	})
	if err != nil {
		return nil, err
	}
	st.Images = images
	return renames, nil
}

// renamesFor maps each address of the state that a move takes to its new
// address: the move's to, or for a move of a whole block, the same key
// under the new name.
func renamesFor(st *state.State, moves []spec.Move) map[string]string {
	renames := map[string]string{} // old address → new
	for _, addr := range st.Addresses() {
		a, err := spec.ParseAddress(addr)
		if err != nil {
			continue
		}
		for _, m := range moves {
			switch {
			case m.From.Kind == spec.NoKey && a.Name == m.From.Name:
				to := a
				to.Name = m.To.Name
				renames[addr] = to.String()
			case m.From == a:
				renames[addr] = m.To.String()
			default:
				continue
			}
			break
		}
	}
	return renames
}

// rename returns the state's images with renames made, and the old
// address of each new one; conflict words the refusal of a new address
// the state already records.
func rename(st *state.State, renames map[string]string, conflict func(old, to string) error) (map[string]*state.Entry, map[string]string, error) {
	images := make(map[string]*state.Entry, len(st.Images))
	for addr, e := range st.Images {
		if _, moving := renames[addr]; !moving {
			images[addr] = e
		}
	}
	from := make(map[string]string, len(renames))
	olds := make([]string, 0, len(renames))
	for old := range renames {
		olds = append(olds, old)
	}
	sort.Strings(olds)
	for _, old := range olds {
		to := renames[old]
		if _, taken := images[to]; taken {
			return nil, nil, conflict(old, to)
		}
		images[to] = st.Images[old]
		from[to] = old
	}
	return images, from, nil
}

// movedAddress records on a change that its image was recorded at
// another address, which a moved block renamed: the state is changed to
// say so. An image that needs nothing else is moved in the state alone.
func movedAddress(c *Change, img *spec.Image, prior *state.Entry, from string) *Change {
	if c == nil {
		c = &Change{
			Address:    img.Addr.String(),
			Action:     Move,
			Request:    &prior.Request,
			InputHash:  prior.InputHash,
			SeedOrigin: prior.SeedOrigin,
			Generator:  prior.Generator,
			Outputs:    img.Outputs,
			Prior:      prior,
		}
	}
	c.MovedFrom = from
	c.Reasons = append([]Reason{{Kind: ReasonAddressMoved, Message: "moved from " + from + " (a moved block): no image is made for it"}}, c.Reasons...)
	return c
}

// hintMoves suggests a moved block where the plan deletes an image and
// creates another at the same output path: most likely a renamed block,
// whose image a moved block would keep at no cost.
func hintMoves(changes []*Change) {
	deleted := map[string]string{} // output path → the deleted image's address
	for _, c := range changes {
		if c.Action == Delete {
			for _, o := range c.Outputs {
				deleted[o] = c.Address
			}
		}
	}
	if len(deleted) == 0 {
		return
	}
	for _, c := range changes {
		if c.Action != Create {
			continue
		}
		for _, o := range c.Outputs {
			old, ok := deleted[o]
			if !ok {
				continue
			}
			c.Reasons = append(c.Reasons, Reason{Kind: ReasonMoveHint, Path: o, Message: fmt.Sprintf(
				"%s, to be deleted, wrote %s: if %s is %s renamed, add  moved { from = %s  to = %s }  to keep its image and pay nothing",
				old, o, c.Address, old, old, c.Address)})
			break
		}
	}
}
