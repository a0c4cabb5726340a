package state

import (
	"context"
	"errors"
	"sync"
)

// Stored is what a backend handle keeps of the stored state, and the one
// rule of what Save and Push write, which every backend shares: the
// snapshot the handle loaded or last wrote, which a write is a
// compare-and-swap against; a save writes the state that follows it
// (the next serial, nothing when nothing changed), a push the state as
// it is. A backend gives it the write that swaps one snapshot for the
// next in its store.
type Stored struct {
	mu  sync.Mutex
	cur *Snapshot
}

// Swap replaces, in a backend's store, the state cur holds with next, on
// condition that the store still holds cur: a *ConflictError otherwise.
type Swap func(ctx context.Context, cur, next *Snapshot) error

// Loaded records the snapshot a Load read.
func (s *Stored) Loaded(snap *Snapshot) {
	s.mu.Lock()
	s.cur = snap
	s.mu.Unlock()
}

// Current is the snapshot the handle loaded or last wrote; nil before a
// Load.
func (s *Stored) Current() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Save writes st with swap when it differs from the snapshot, as the
// next serial, and reports whether it wrote.
func (s *Stored) Save(ctx context.Context, st *State, swap Swap) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return false, errors.New("saving state: it was never loaded")
	}
	next, err := s.cur.Successor(st)
	if err != nil || next == nil {
		return false, err
	}
	if err := swap(ctx, s.cur, next); err != nil {
		return false, err
	}
	s.cur = next
	return true, nil
}

// Push writes st with swap as it is, its lineage and serial kept.
func (s *Stored) Push(ctx context.Context, st *State, swap Swap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return errors.New("pushing state: the stored one was never loaded")
	}
	next, err := Verbatim(st)
	if err != nil {
		return err
	}
	if err := swap(ctx, s.cur, next); err != nil {
		return err
	}
	s.cur = next
	return nil
}

// allLoader is a backend that keeps the states of every workspace in one
// place (a schema), and reads them all at once.
type allLoader interface {
	LoadAll(ctx context.Context) ([]*State, error)
}

// HashesInUse are the input hashes the states b keeps record: every
// workspace's when b is an allLoader (a shared backend), else st's own
// (b's state as loaded).
func HashesInUse(ctx context.Context, b Backend, st *State) (map[Hash]bool, error) {
	states := []*State{st}
	if all, ok := b.(allLoader); ok {
		var err error
		if states, err = all.LoadAll(ctx); err != nil {
			return nil, err
		}
	}
	inUse := map[Hash]bool{}
	for _, s := range states {
		for _, entry := range s.Images {
			inUse[entry.InputHash] = true
		}
	}
	return inUse, nil
}
