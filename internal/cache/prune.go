package cache

import (
	"context"

	"github.com/imgform/imgform/internal/model"
)

// Unused returns the entries pruning removes: every one the store holds,
// incomplete ones included, whose input hash inUse does not report. Each
// comes with its metadata (nil for an incomplete entry).
func Unused(ctx context.Context, s Store, inUse func(model.Hash) bool) ([]Unneeded, int, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, 0, err
	}
	var out []Unneeded
	for _, h := range all {
		if inUse(h) {
			continue
		}
		e, err := s.Stat(ctx, h)
		if err != nil {
			e = nil
		}
		out = append(out, Unneeded{Hash: h, Entry: e})
	}
	return out, len(all), nil
}

// Unneeded is an entry no image of the state uses.
type Unneeded struct {
	Hash  model.Hash
	Entry *Entry // nil when the entry is incomplete or unreadable
}

// Prune removes from s the entries inUse does not report (dry: none, it
// only says), calling each for every one once it is gone (dry: that
// would go); it returns how many of the store's entries it removed (or
// would).
func Prune(ctx context.Context, s Store, inUse func(model.Hash) bool, dry bool, each func(Unneeded)) (removed, total int, err error) {
	unused, total, err := Unused(ctx, s, inUse)
	if err != nil {
		return 0, 0, err
	}
	for _, u := range unused {
		if !dry {
			if err := s.Remove(ctx, u.Hash); err != nil {
				return removed, total, err
			}
		}
		each(u)
		removed++
	}
	return removed, total, nil
}
