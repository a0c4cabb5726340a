package state

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/imgform/imgform/internal/parallel"
)

// Snapshot is a state as a backend stored it: its header (serial,
// lineage, format version, input hash version) and the bytes of each of
// its entries as its document holds them. A backend keeps the snapshot it
// loaded or last saved, and Save compares the store with it.
//
// A snapshot that Decode read keeps the document's bytes. One that
// Successor or Verbatim encoded does not put its document together: it
// keeps each entry's bytes, and WriteTo writes the document from them,
// piece by piece. It also keeps a copy of each entry it encoded, so that
// its successor encodes only the entries that differ from it (Successor),
// and a backend that stores entries apart writes only those (Changes).
// A snapshot does not change once made.
type Snapshot struct {
	Serial  uint64
	Lineage string
	Version int // the format version; 0 when nothing is stored

	stored           bool
	inputHashVersion int
	// data is the document as Decode read it; nil in a snapshot encoded
	// here.
	data []byte
	// null: the images member is null (a State with a nil map).
	null bool
	// keys are the addresses, sorted, and entries[i] the bytes of
	// keys[i]'s entry as the document holds them, indented for its depth.
	keys    []string
	entries [][]byte
	// encoded: entries are Marshal's own bytes, made here. Otherwise they
	// are as a document held them, which may be laid out by hand.
	encoded bool
	// sources[i], in an encoded snapshot, is this snapshot's own copy of
	// the entry entries[i] encodes: an entry equal to it in every field
	// (sameEntry) encodes to the same bytes, without encoding it again.
	// Nobody else holds these copies, and nothing changes them.
	sources []*Entry
}

// Header is a stored state's fields besides its images.
type Header struct {
	Serial           uint64
	Lineage          string
	Version          int
	InputHashVersion int
}

// EntryBytes is one entry as a snapshot's document holds it: its address
// and the bytes of its value (indented for its depth in the document).
type EntryBytes struct {
	Address string
	Entry   []byte
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
	snap := &Snapshot{stored: true, data: data, Serial: st.Serial, Lineage: st.Lineage, Version: st.Version, inputHashVersion: st.InputHashVersion}
	if raw != nil {
		snap.keys = make([]string, 0, len(raw))
		for k := range raw {
			snap.keys = append(snap.keys, k)
		}
		slices.Sort(snap.keys)
		snap.entries = make([][]byte, len(snap.keys))
		for i, k := range snap.keys {
			snap.entries[i] = raw[k]
		}
	} else if len(st.Images) > 0 {
		// Read without its entries split out (the strict decoder read
		// it): they are compared in Marshal's form.
		if snap.keys, snap.entries, err = encodeImages(st.Images); err != nil {
			return nil, nil, err
		}
	}
	return snap, st, nil
}

// DecodeParts reads a state a backend stores in parts: its header, and
// each entry's bytes as a snapshot's document holds them (Changes). It is
// Decode of the document they make, laid out as Marshal lays it out, so
// that the state reads back byte for byte as it was saved. entries is
// sorted by address in place.
func DecodeParts(where string, h Header, entries []EntryBytes) (*Snapshot, *State, error) {
	if !slices.IsSortedFunc(entries, compareEntryBytes) {
		slices.SortFunc(entries, compareEntryBytes)
	}
	keys := make([]string, len(entries))
	values := make([][]byte, len(entries))
	for i, e := range entries {
		keys[i], values[i] = e.Address, e.Entry
	}
	var buf bytes.Buffer
	buf.Grow(documentSize(keys, values))
	if err := writeDocument(&buf, h, false, keys, values); err != nil {
		return nil, nil, err
	}
	return Decode(where, buf.Bytes())
}

func compareEntryBytes(a, b EntryBytes) int { return strings.Compare(a.Address, b.Address) }

// Stored reports whether the snapshot is of a stored state: false for an
// empty store.
func (s *Snapshot) Stored() bool { return s.stored }

// Header is the snapshot's fields besides its images.
func (s *Snapshot) Header() Header {
	return Header{Serial: s.Serial, Lineage: s.Lineage, Version: s.Version, InputHashVersion: s.inputHashVersion}
}

// Len is the number of entries.
func (s *Snapshot) Len() int { return len(s.keys) }

// WriteTo writes the snapshot's document to w: the bytes Decode read, or
// the document of an encoded snapshot, written piece by piece (header,
// then each entry's bytes) through a buffer, never put together whole.
func (s *Snapshot) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	if s.data != nil || !s.stored {
		_, err := cw.Write(s.data)
		return cw.n, err
	}
	bw := bufio.NewWriterSize(cw, 256<<10)
	err := writeDocument(bw, s.Header(), s.null, s.keys, s.entries)
	if err == nil {
		err = bw.Flush()
	}
	return cw.n, err
}

// Bytes returns the snapshot's document, put together when it was not
// read whole; nil when nothing is stored.
func (s *Snapshot) Bytes() []byte {
	if s.data != nil || !s.stored {
		return s.data
	}
	var buf bytes.Buffer
	buf.Grow(documentSize(s.keys, s.entries))
	_ = writeDocument(&buf, s.Header(), s.null, s.keys, s.entries) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// Matches reports whether data is the snapshot's document, byte for
// byte, without putting the document together.
func (s *Snapshot) Matches(data []byte) bool {
	if s.data != nil || !s.stored {
		return s.stored == (data != nil) && bytes.Equal(s.data, data)
	}
	cw := &compareWriter{want: data, same: true}
	if _, err := s.WriteTo(cw); err != nil {
		return false
	}
	return cw.same && len(cw.want) == 0
}

// Changes returns what a store that holds prev (nil: nothing) must write
// to hold s instead: the entries of s that prev does not hold byte for
// byte (new, or changed), and the addresses prev has and s does not, both
// in address order.
func (s *Snapshot) Changes(prev *Snapshot) (changed []EntryBytes, removed []string) {
	var pk []string
	var pe [][]byte
	if prev != nil {
		pk, pe = prev.keys, prev.entries
	}
	i, j := 0, 0
	for i < len(s.keys) || j < len(pk) {
		switch {
		case j == len(pk) || (i < len(s.keys) && s.keys[i] < pk[j]):
			changed = append(changed, EntryBytes{s.keys[i], s.entries[i]})
			i++
		case i == len(s.keys) || pk[j] < s.keys[i]:
			removed = append(removed, pk[j])
			j++
		default:
			if !sameBytes(s.entries[i], pe[j]) {
				changed = append(changed, EntryBytes{s.keys[i], s.entries[i]})
			}
			i++
			j++
		}
	}
	return changed, removed
}

// sameBytes is bytes.Equal, at once for the same bytes (an entry a
// successor took over unchanged).
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0] || bytes.Equal(a, b)
}

// Successor encodes st as the state that follows s: the next serial, s's
// lineage (a new one when s has none), the current format. It returns nil
// when there is nothing to write: st is the state s holds (judged in s's
// own format version, so that an older file is not rewritten just to bump
// its version), or st is empty and nothing was ever stored. st is not
// changed, nor kept: the snapshot keeps copies of its entries.
//
// Only the entries that differ from s's copies of them are encoded: an
// entry equal to the copy in every field has the copy's bytes.
func (s *Snapshot) Successor(st *State) (*Snapshot, error) {
	if !s.stored && len(st.Images) == 0 {
		return nil, nil
	}
	next, same, err := s.encode(st.Images)
	if err != nil {
		return nil, err
	}
	if s.stored && same && s.inputHashVersion == InputHashVersion {
		return nil, nil
	}
	next.stored, next.null = true, st.Images == nil
	next.Serial, next.Lineage, next.Version, next.inputHashVersion = s.Serial+1, s.Lineage, Version, InputHashVersion
	if next.Lineage == "" {
		next.Lineage = newLineage()
	}
	return next, nil
}

// Verbatim encodes st as it is, its lineage and serial kept (state push,
// and the move of a local state to a shared backend): the snapshot a
// backend stores in place of s. A state without a lineage is given one.
func Verbatim(st *State) (*Snapshot, error) {
	next, _, err := (&Snapshot{}).encode(st.Images)
	if err != nil {
		return nil, err
	}
	next.stored, next.null = true, st.Images == nil
	next.Serial, next.Lineage, next.Version, next.inputHashVersion = st.Serial, st.Lineage, Version, InputHashVersion
	if next.Lineage == "" {
		next.Lineage = newLineage()
	}
	return next, nil
}

// encode encodes images as the entries of a snapshot that follows s (its
// header left for the caller), taking over s's bytes and copy of each
// entry that equals s's copy, and reports whether they are the entries s
// holds (same state, whatever their layout in s).
func (s *Snapshot) encode(images map[string]*Entry) (*Snapshot, bool, error) {
	keys := sortedKeys(images)
	// prev[i] is the index of keys[i] in s, or -1.
	prev := make([]int, len(keys))
	j := 0
	for i, k := range keys {
		for j < len(s.keys) && s.keys[j] < k {
			j++
		}
		prev[i] = -1
		if j < len(s.keys) && s.keys[j] == k {
			prev[i] = j
		}
	}
	next := &Snapshot{encoded: true, keys: keys, entries: make([][]byte, len(keys)), sources: make([]*Entry, len(keys))}
	var differs atomic.Bool
	var firstErr error
	var errOnce sync.Once
	parallel.Ranges(len(keys), entriesPerWorker, func(lo, hi int) {
		var buf bytes.Buffer
		for i := lo; i < hi; i++ {
			e, j := images[keys[i]], prev[i]
			if j >= 0 && s.sources != nil && sameEntry(s.sources[j], e) {
				next.entries[i], next.sources[i] = s.entries[j], s.sources[j]
				continue
			}
			entry, err := encodeEntry(&buf, e)
			if err != nil {
				errOnce.Do(func() { firstErr = fmt.Errorf("encoding state: %w", err) })
				return
			}
			next.entries[i], next.sources[i] = entry, ownCopy(e)
			if j < 0 || !s.holdsEntry(j, entry, &buf) {
				differs.Store(true)
			}
		}
	})
	if firstErr != nil {
		return nil, false, firstErr
	}
	return next, !differs.Load() && len(keys) == len(s.keys), nil
}

// holdsEntry reports whether s's entry j is the entry whose bytes are
// entry. Bytes laid out otherwise than Marshal's (by hand) are decoded
// and encoded again to tell: telling a change in a state of many images
// costs one entry, not the whole document.
func (s *Snapshot) holdsEntry(j int, entry []byte, buf *bytes.Buffer) bool {
	if bytes.Equal(s.entries[j], entry) {
		return true
	}
	if s.encoded {
		return false
	}
	var e *Entry
	if strictUnmarshal(s.entries[j], &e) != nil {
		return false
	}
	again, err := encodeEntry(buf, e)
	return err == nil && bytes.Equal(again, entry)
}

// ownCopy is a copy of e that shares nothing that can change with it:
// the snapshot's own, which nothing changes. Entry.Clone shares the
// variants' attribute maps; a Request is a value nothing changes (model
// says so, and its fields are its own), and so is a time's location.
// TestOwnCopyIsDeep holds this to Entry's fields.
func ownCopy(e *Entry) *Entry {
	if e == nil {
		return nil
	}
	c := e.Clone()
	c.Request = c.Request.Clone() // its values, not a slice shared with e
	for i := range c.Variants {
		c.Variants[i].Attributes = maps.Clone(c.Variants[i].Attributes)
	}
	return c
}

// countingWriter counts what it writes.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// compareWriter compares what is written with want, consuming it.
type compareWriter struct {
	want []byte
	same bool
}

func (c *compareWriter) Write(p []byte) (int, error) {
	if c.same {
		if len(p) > len(c.want) || !bytes.Equal(p, c.want[:len(p)]) {
			c.same = false
		} else {
			c.want = c.want[len(p):]
		}
	}
	return len(p), nil
}
