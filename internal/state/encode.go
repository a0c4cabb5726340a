package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"

	"github.com/imgform/imgform/internal/jsonsplit"
	"github.com/imgform/imgform/internal/parallel"
)

// The state of a catalog holds hundreds of thousands of entries; its
// encoding is what json.MarshalIndent(s, "", "  ") writes (the format is
// byte-stable, and tests hold this encoding to it), made in parallel:
// each entry is encoded and indented on its own, over every core, and the
// document is written around them, piece by piece (writeDocument), never
// put together whole unless a caller asks for its bytes. A save keeps
// each entry's bytes (Snapshot), so that the next one encodes only the
// entries that changed, and a backend that stores entries apart writes
// only those.

// entriesPerWorker is the least number of entries worth a goroutine of
// their own.
const entriesPerWorker = 256

// encodeEntry encodes one entry of the images member as Marshal writes
// it: its value, indented for its depth in the document.
func encodeEntry(buf *bytes.Buffer, e *Entry) ([]byte, error) {
	value, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	if err := json.Indent(buf, value, "    ", "  "); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// encodeImages encodes every entry of images, over every core: the
// addresses sorted, and the bytes of each.
func encodeImages(images map[string]*Entry) (keys []string, entries [][]byte, err error) {
	keys = sortedKeys(images)
	entries = make([][]byte, len(keys))
	var errOnce sync.Once
	parallel.Ranges(len(keys), entriesPerWorker, func(lo, hi int) {
		var buf bytes.Buffer
		for i := lo; i < hi; i++ {
			entry, eerr := encodeEntry(&buf, images[keys[i]])
			if eerr != nil {
				errOnce.Do(func() { err = fmt.Errorf("encoding state: %w", eerr) })
				return
			}
			entries[i] = entry
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return keys, entries, nil
}

func sortedKeys(images map[string]*Entry) []string {
	keys := make([]string, 0, len(images))
	for k := range images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// documentSize is about the length of the document writeDocument writes.
func documentSize(keys []string, entries [][]byte) int {
	n := 160
	for i, e := range entries {
		n += len(keys[i]) + len(e) + 12
	}
	return n
}

// writeDocument writes the state document of header h whose images are
// entries (by keys, sorted; the images member is null when null): byte for
// byte what json.MarshalIndent(s, "", "  ") writes, with a newline. It
// writes small pieces: w should buffer.
func writeDocument(w io.Writer, h Header, null bool, keys []string, entries [][]byte) error {
	dw := docWriter{w: w}
	dw.str("{\n  \"images\": ")
	switch {
	case null:
		dw.str("null")
	case len(keys) == 0:
		dw.str("{}")
	default:
		dw.str("{")
		for i, k := range keys {
			if i > 0 {
				dw.str(",")
			}
			dw.str("\n    ")
			if plainKey(k) {
				dw.str("\"")
				dw.str(k)
				dw.str("\"")
			} else {
				key, err := json.Marshal(k)
				if err != nil {
					return fmt.Errorf("encoding state: %w", err)
				}
				dw.write(key)
			}
			dw.str(": ")
			dw.write(entries[i])
		}
		dw.str("\n  }")
	}
	lineage, err := json.Marshal(h.Lineage)
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	dw.str(",\n  \"input_hash_version\": ")
	dw.write(strconv.AppendInt(dw.num[:0], int64(h.InputHashVersion), 10))
	dw.str(",\n  \"lineage\": ")
	dw.write(lineage)
	dw.str(",\n  \"serial\": ")
	dw.write(strconv.AppendUint(dw.num[:0], h.Serial, 10))
	dw.str(",\n  \"version\": ")
	dw.write(strconv.AppendInt(dw.num[:0], int64(h.Version), 10))
	dw.str("\n}\n")
	return dw.err
}

// plainKey reports whether json.Marshal writes k as it is, in quotes:
// printable ASCII that JSON (with encoding/json's HTML escaping) does not
// escape. Addresses such as image.tile[12] are.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// docWriter writes pieces, keeping the first error.
type docWriter struct {
	w   io.Writer
	err error
	num [24]byte
}

func (d *docWriter) write(b []byte) {
	if d.err == nil {
		_, d.err = d.w.Write(b)
	}
}

func (d *docWriter) str(s string) {
	if d.err == nil {
		_, d.err = io.WriteString(d.w, s)
	}
}

// decodeParallel decodes a state with its entries decoded over every
// core. It reports false on any problem, for the caller to decode the
// whole again in one pass, which says what is wrong and where.
// version is the document's version field (nil when it has none, which
// State.Version alone cannot tell from 0).
func decodeParallel(data []byte) (st *State, raw map[string][]byte, version *int, ok bool) {
	keys, values, ok := jsonsplit.Object(data)
	if !ok {
		return nil, nil, nil, false
	}
	st = &State{}
	var images []byte
	seen := map[string]bool{}
	for i, k := range keys {
		if seen[k] {
			return nil, nil, nil, false // a duplicate: the strict decoder says what it makes of it
		}
		seen[k] = true
		var err error
		switch k {
		case "images":
			images = values[i]
		case "input_hash_version":
			err = strictUnmarshal(values[i], &st.InputHashVersion)
		case "lineage":
			err = strictUnmarshal(values[i], &st.Lineage)
		case "serial":
			err = strictUnmarshal(values[i], &st.Serial)
		case "version":
			err = strictUnmarshal(values[i], &version)
		default:
			return nil, nil, nil, false
		}
		if err != nil {
			return nil, nil, nil, false
		}
	}
	if version != nil {
		st.Version = *version
	}
	if images == nil || string(images) == "null" {
		return st, nil, version, true
	}
	ekeys, evalues, ok := jsonsplit.Object(images)
	if !ok {
		return nil, nil, nil, false
	}
	entries := make([]*Entry, len(ekeys))
	failed := make([]bool, len(ekeys))
	parallel.Ranges(len(ekeys), entriesPerWorker, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if strictUnmarshal(evalues[i], &entries[i]) != nil {
				failed[i] = true
				return
			}
		}
	})
	st.Images = make(map[string]*Entry, len(ekeys))
	raw = make(map[string][]byte, len(ekeys))
	for i, k := range ekeys {
		if _, dup := st.Images[k]; dup || failed[i] {
			return nil, nil, nil, false
		}
		st.Images[k] = entries[i]
		raw[k] = evalues[i]
	}
	return st, raw, version, true
}

// strictUnmarshal decodes one JSON value, refusing unknown fields and
// anything after it.
func strictUnmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(data[d.InputOffset():])) > 0 {
		return errTrailing
	}
	return nil
}

var errTrailing = errors.New("data after the value")
