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
	// entries are the raw bytes of each entry as Data holds them, and
	// inputHashVersion its input hash version: what tells whether a
	// state is the one stored without decoding all of Data again.
	entries          map[string][]byte
	inputHashVersion int
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
	st, raw, err := parse(where, data)
	if err != nil {
		return nil, nil, err
	}
	return &Snapshot{Data: data, Serial: st.Serial, Lineage: st.Lineage, Version: st.Version, entries: raw, inputHashVersion: st.InputHashVersion}, st, nil
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
	// The images are encoded once, and the document put together at the
	// stored serial and version (to compare) and at the next (to write).
	images, err := encodeImages(st.Images)
	if err != nil {
		return nil, err
	}
	out := State{Version: max(s.Version, 1), InputHashVersion: InputHashVersion, Lineage: lineage, Serial: s.Serial}
	same := assemble(images.section, &out)
	if s.Data != nil && (bytes.Equal(same, s.Data) || s.holds(images, same)) {
		return nil, nil
	}
	out.Version, out.Serial = Version, s.Serial+1
	data := assemble(images.section, &out)
	return &Snapshot{Data: data, Serial: out.Serial, Lineage: lineage, Version: Version, canonical: data}, nil
}

// holds reports whether s stores the state whose images encode as images
// (and whose document at s's serial is same), although Data is not its
// bytes: Data is laid out otherwise (formatted by hand), or the images
// differ. Entries whose bytes are those of Data are the same; only the
// others are decoded and compared, so that telling a change in a state of
// many images costs one entry, not the whole document.
func (s *Snapshot) holds(images *encodedImages, same []byte) bool {
	if s.canonical != nil || s.entries == nil || len(images.keys) == 0 {
		return bytes.Equal(same, s.canonicalForm())
	}
	if s.inputHashVersion != InputHashVersion || len(s.entries) != len(images.keys) {
		return false
	}
	for i, k := range images.keys {
		raw, ok := s.entries[k]
		if !ok {
			return false
		}
		if bytes.Equal(raw, images.entries[i]) {
			continue
		}
		var e *Entry
		if strictUnmarshal(raw, &e) != nil {
			return false
		}
		enc, err := encodeImages(map[string]*Entry{k: e})
		if err != nil || !bytes.Equal(enc.entries[0], images.entries[i]) {
			return false
		}
	}
	return true
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
