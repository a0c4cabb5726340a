package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/imgform/imgform/internal/parallel"
	"github.com/imgform/imgform/internal/safepath"
)

// CorruptError reports a stored state that cannot be read. Nothing is
// ever written over such a state.
type CorruptError struct {
	Path         string // where the state is: a file, or a backend's name for it
	Line, Column int    // where the problem is, when known
	Err          error
	// Recovery says where an earlier version may be found; the backend
	// that read the state knows.
	Recovery string
}

func (e *CorruptError) Error() string {
	where := e.Path
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.Path, e.Line, e.Column)
	}
	fix := "Fix it, then run again"
	if e.Recovery != "" {
		fix = "Fix the file (" + e.Recovery + "), then run again"
	}
	return fmt.Sprintf("the state file %s cannot be read: %v; imgform will not overwrite it. %s", where, e.Err, fix)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// VersionError reports a state file written by a newer imgform: its
// format version, or the version of its input hashes, is newer than this
// imgform knows.
type VersionError struct {
	Path    string
	Version int
	// Field is the version that is too new: "version" (the format, when
	// empty) or "input_hash_version"; Newest is the newest of it this
	// imgform knows (Version when zero).
	Field  string
	Newest int
}

func (e *VersionError) Error() string {
	field, newest := e.Field, e.Newest
	if field == "" {
		field = "version"
	}
	if newest == 0 {
		newest = Version
	}
	what := "format version"
	if field != "version" {
		what = strings.ReplaceAll(field, "_", " ")
	}
	return fmt.Sprintf("the state file %s has %s %d, but this imgform reads versions up to %d; it was written by a newer imgform. Upgrade imgform; the file is left as it is", e.Path, what, e.Version, newest)
}

// Parse decodes state file bytes; path is only for messages.
func Parse(path string, data []byte) (*State, error) {
	st, _, err := parse(path, data)
	return st, err
}

// parse is Parse, and the raw bytes of each entry as the document holds
// them (nil when they could not be split out).
func parse(path string, data []byte) (*State, map[string][]byte, error) {
	st, raw, version, ok := decodeParallel(data)
	if !ok {
		// Something is wrong: decode again, the version first (a newer
		// format may well not decode), then the whole document in one
		// pass, for what is wrong and where.
		var head struct {
			Version *int `json:"version"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return nil, nil, corrupt(path, data, err)
		}
		if err := checkVersion(path, head.Version); err != nil {
			return nil, nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		st = &State{}
		if err := dec.Decode(st); err != nil {
			return nil, nil, corrupt(path, data, err)
		}
	} else if err := checkVersion(path, version); err != nil {
		return nil, nil, err
	}
	// The input hash version comes before check, which can verify
	// hashes only in an encoding it knows.
	switch {
	case st.InputHashVersion > InputHashVersion:
		return nil, nil, &VersionError{Path: path, Version: st.InputHashVersion, Field: "input_hash_version", Newest: InputHashVersion}
	case st.InputHashVersion < 1:
		return nil, nil, &CorruptError{Path: path, Err: fmt.Errorf(`"input_hash_version" %d is not an input hash version (missing?)`, st.InputHashVersion)}
	}
	if err := st.check(); err != nil {
		return nil, nil, &CorruptError{Path: path, Err: err}
	}
	if st.Images == nil {
		st.Images = map[string]*Entry{}
	}
	return st, raw, nil
}

// checkVersion refuses a state without a format version or of a version
// this imgform does not read.
func checkVersion(path string, v *int) error {
	switch {
	case v == nil:
		return &CorruptError{Path: path, Err: errors.New(`it has no "version"`)}
	case *v > Version:
		return &VersionError{Path: path, Version: *v}
	case *v < 1:
		return &CorruptError{Path: path, Err: fmt.Errorf("version %d is not a state format version", *v)}
	}
	return nil
}

// check finds what JSON decoding cannot: missing or inconsistent fields.
// The entries are checked over every core; of several problems, the one
// of the first address is reported.
func (s *State) check() error {
	if s.Lineage == "" {
		return errors.New(`it has no "lineage"`)
	}
	addrs := make([]string, 0, len(s.Images))
	for addr := range s.Images {
		addrs = append(addrs, addr)
	}
	sort.Strings(addrs)
	errs := make([]error, len(addrs))
	parallel.Ranges(len(addrs), entriesPerWorker, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if errs[i] = checkEntry(addrs[i], s.Images[addrs[i]]); errs[i] != nil {
				return
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func checkEntry(addr string, e *Entry) error {
	if e == nil {
		return fmt.Errorf("the entry of %s is null", addr)
	}
	if len(e.Outputs) == 0 && len(e.Variants) == 0 {
		return fmt.Errorf("the entry of %s has no outputs", addr)
	}
	if e.InputHash != e.Request.InputHash() {
		return fmt.Errorf("the input hash of %s does not match its request (edited by hand?)", addr)
	}
	for _, o := range e.Outputs {
		if o.Path == "" {
			return fmt.Errorf("an output of %s has no path", addr)
		}
		// The state is committed and edited in pull requests: a path
		// that leaves the configuration directory would have apply
		// move or delete a file elsewhere.
		if clean, err := safepath.Clean(o.Path); err != nil || clean != o.Path {
			return fmt.Errorf("the output path %q of %s is not a clean path inside the configuration directory", o.Path, addr)
		}
	}
	for _, v := range e.Variants {
		if clean, err := safepath.Clean(v.Path); err != nil || clean != v.Path {
			return fmt.Errorf("the path %q of variant %q of %s is not a clean path inside the configuration directory", v.Path, v.Name, addr)
		}
		if v.Sample < 0 || v.Sample >= max(e.Request.Samples(), 1) {
			return fmt.Errorf("variant %q of %s is of sample %d, but its request makes %d", v.Name, addr, v.Sample, e.Request.Samples())
		}
	}
	return nil
}

// corrupt turns a JSON error into a CorruptError that says where.
func corrupt(path string, data []byte, err error) error {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	ce := &CorruptError{Path: path, Err: err}
	if offset >= 0 {
		// The error comes after reading offset bytes: the byte at fault
		// is the last of them. Columns count characters, as editors do.
		ce.Line, ce.Column = 1, 1
		for _, c := range data[:max(min(int(offset)-1, len(data)), 0)] {
			switch {
			case c == '\n':
				ce.Line++
				ce.Column = 1
			case utf8.RuneStart(c):
				ce.Column++
			}
		}
	}
	return ce
}

// Marshal encodes the state in its stable form: keys sorted, two-space
// indent, a final newline; byte for byte what json.MarshalIndent(s, "",
// "  ") writes, with a newline (see encode.go for how it is made fast).
func Marshal(s *State) ([]byte, error) {
	keys, entries, err := encodeImages(s.Images)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(documentSize(keys, entries))
	h := Header{Serial: s.Serial, Lineage: s.Lineage, Version: s.Version, InputHashVersion: s.InputHashVersion}
	if err := writeDocument(&buf, h, s.Images == nil, keys, entries); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
