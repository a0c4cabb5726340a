package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
// document is put together around them. The entries' part is kept apart
// from the header, so that a save can compare the state with the file at
// its old serial and write it at the new one for one encoding.

// entriesPerWorker is the least number of entries worth a goroutine of
// their own.
const entriesPerWorker = 256

// encodedImages is the images member's value as Marshal writes it, and
// each entry's part of it.
type encodedImages struct {
	section []byte
	keys    []string // sorted
	entries [][]byte // the entry of keys[i], indented for its depth
}

// encodeImages encodes the images member's value: the entries, sorted by
// address, indented for their depth.
func encodeImages(images map[string]*Entry) (*encodedImages, error) {
	if images == nil {
		return &encodedImages{section: []byte("null")}, nil
	}
	if len(images) == 0 {
		return &encodedImages{section: []byte("{}")}, nil
	}
	keys := make([]string, 0, len(images))
	for k := range images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([][]byte, len(keys))
	entries := make([][]byte, len(keys))
	var firstErr error
	var errOnce sync.Once
	parallel.Ranges(len(keys), entriesPerWorker, func(lo, hi int) {
		var buf bytes.Buffer
		for i := lo; i < hi; i++ {
			key, err := json.Marshal(keys[i])
			if err == nil {
				var entry []byte
				if entry, err = json.Marshal(images[keys[i]]); err == nil {
					buf.Reset()
					buf.WriteString("\n    ")
					buf.Write(key)
					buf.WriteString(": ")
					start := buf.Len()
					err = json.Indent(&buf, entry, "    ", "  ")
					parts[i] = bytes.Clone(buf.Bytes())
					entries[i] = parts[i][start:]
				}
			}
			if err != nil {
				errOnce.Do(func() { firstErr = fmt.Errorf("encoding state: %w", err) })
				return
			}
		}
	})
	if firstErr != nil {
		return nil, firstErr
	}
	n := 2 + 7
	for _, p := range parts {
		n += len(p) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, p := range parts {
		out = append(out, p...)
		if i < len(parts)-1 {
			out = append(out, ',')
		}
	}
	out = append(out, "\n  }"...)
	return &encodedImages{section: out, keys: keys, entries: entries}, nil
}

// assemble puts the document together around the encoded images, with the
// header fields of s.
func assemble(images []byte, s *State) []byte {
	lineage, _ := json.Marshal(s.Lineage)
	out := make([]byte, 0, len(images)+160)
	out = append(out, "{\n  \"images\": "...)
	out = append(out, images...)
	out = append(out, ",\n  \"input_hash_version\": "...)
	out = strconv.AppendInt(out, int64(s.InputHashVersion), 10)
	out = append(out, ",\n  \"lineage\": "...)
	out = append(out, lineage...)
	out = append(out, ",\n  \"serial\": "...)
	out = strconv.AppendUint(out, s.Serial, 10)
	out = append(out, ",\n  \"version\": "...)
	out = strconv.AppendInt(out, int64(s.Version), 10)
	out = append(out, "\n}\n"...)
	return out
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
