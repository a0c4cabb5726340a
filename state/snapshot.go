package state

import (
	"bytes"
)

// Snapshot is a state as a backend stored it: its bytes, and the serial,
// lineage and format version they hold. A backend keeps the snapshot it
// loaded or last saved, and Save compares the store with it.
type Snapshot struct {
	// Data is the stored bytes; nil when nothing is stored yet.
	Data    []byte
	Serial  uint64
	Lineage string
	Version int // the format version of Data; 0 when nothing is stored

	// canonical is what Marshal makes of Data, computed when first
	// needed: a file that is not in Marshal's form (formatted by hand,
	// say) holds the same state, and saving it unchanged is no change.
	canonical []byte
}

// Decode reads stored bytes; where names them in messages. nil data is
// an empty store: a new state with no lineage yet (it gets one when first
// saved; a plan made before then records the empty lineage, and still
// applies to it).
func Decode(where string, data []byte) (*Snapshot, *State, error) {
	if data == nil {
		st := New()
		st.Lineage = ""
		return &Snapshot{}, st, nil
	}
	st, err := Parse(where, data)
	if err != nil {
		return nil, nil, err
	}
	return &Snapshot{Data: data, Serial: st.Serial, Lineage: st.Lineage, Version: st.Version}, st, nil
}

// Successor encodes st as the state that follows s: the next serial, s's
// lineage (a new one when s has none), the current format. It returns nil
// when there is nothing to write: st is the state s holds (judged in s's
// own format version, so that an older file is not rewritten just to bump
// its version), or st is empty and nothing was ever stored. st is not
// changed.
func (s *Snapshot) Successor(st *State) (*Snapshot, error) {
	if s.Data == nil && len(st.Images) == 0 {
		return nil, nil
	}
	lineage := s.Lineage
	if lineage == "" {
		lineage = newLineage()
	}
	out := *st
	out.Version, out.InputHashVersion, out.Lineage, out.Serial = max(s.Version, 1), InputHashVersion, lineage, s.Serial
	same, err := Marshal(&out)
	if err != nil {
		return nil, err
	}
	if s.Data != nil && (bytes.Equal(same, s.Data) || bytes.Equal(same, s.canonicalForm())) {
		return nil, nil
	}
	out.Version, out.Serial = Version, s.Serial+1
	data, err := Marshal(&out)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Data: data, Serial: out.Serial, Lineage: lineage, Version: Version, canonical: data}, nil
}

// canonicalForm returns Data as Marshal writes it; nil when there is none.
func (s *Snapshot) canonicalForm() []byte {
	if s.canonical == nil && s.Data != nil {
		if old, err := Parse("", s.Data); err == nil {
			s.canonical, _ = Marshal(old)
		}
	}
	return s.canonical
}

// Verbatim encodes st as it is, its lineage and serial kept (state push,
// and the move of a local state to a shared backend): the snapshot a
// backend stores in place of s. A state without a lineage is given one.
func Verbatim(st *State) (*Snapshot, error) {
	out := *st
	out.Version, out.InputHashVersion = Version, InputHashVersion
	if out.Lineage == "" {
		out.Lineage = newLineage()
	}
	data, err := Marshal(&out)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Data: data, Serial: out.Serial, Lineage: out.Lineage, Version: Version, canonical: data}, nil
}
