package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/safepath"
)

// BackupSuffix is appended to the state file's name for the copy of its
// previous version.
const BackupSuffix = ".backup"

// File is the state file on disk, with what was last read from it or
// written to it. Save writes only when the state changed, bumping the
// serial, so that a run that changes nothing leaves the file
// byte-identical.
type File struct {
	path string

	mu        sync.Mutex
	persisted []byte // the bytes on disk; nil when there is no file yet
	// canonical is what Marshal makes of persisted, computed when first
	// needed: a file that is not in Marshal's form (formatted by hand, say)
	// holds the same state, and saving it unchanged is no change.
	canonical []byte
	serial    uint64
	lineage   string
	version   int // the format version of the file on disk; 0 when there is none
	// loaded is the file as Load found it (nil when there was none): the
	// backup, written at the first save, is the state before this run,
	// never a checkpoint of it.
	loaded   []byte
	backedUp bool
}

// CorruptError reports a state file that cannot be read. Nothing is ever
// written over such a file.
type CorruptError struct {
	Path         string
	Line, Column int // where the problem is, when known
	Err          error
}

func (e *CorruptError) Error() string {
	where := e.Path
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.Path, e.Line, e.Column)
	}
	return fmt.Sprintf("the state file %s cannot be read: %v; imgform will not overwrite it. Fix the file (a copy of the previous version may be in %s%s, and git has the committed one), then run again", where, e.Err, e.Path, BackupSuffix)
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

// Load reads the state file at path. A missing file is a new, empty state
// with no lineage yet: it gets one when it is first written (a plan made
// before then records the empty lineage, and still applies to it).
func Load(path string) (*File, *State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		st := New()
		st.Lineage = ""
		return &File{path: path}, st, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading state: %w", err)
	}
	st, err := Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	return &File{path: path, persisted: data, loaded: data, serial: st.Serial, lineage: st.Lineage, version: st.Version}, st, nil
}

// Parse decodes state file bytes; path is only for messages.
func Parse(path string, data []byte) (*State, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, corrupt(path, data, err)
	}
	switch {
	case head.Version == nil:
		return nil, &CorruptError{Path: path, Err: errors.New(`it has no "version"`)}
	case *head.Version > Version:
		return nil, &VersionError{Path: path, Version: *head.Version}
	case *head.Version < 1:
		return nil, &CorruptError{Path: path, Err: fmt.Errorf("version %d is not a state format version", *head.Version)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var st State
	if err := dec.Decode(&st); err != nil {
		return nil, corrupt(path, data, err)
	}
	// The input hash version comes before check, which can verify
	// hashes only in an encoding it knows.
	switch {
	case st.InputHashVersion > InputHashVersion:
		return nil, &VersionError{Path: path, Version: st.InputHashVersion, Field: "input_hash_version", Newest: InputHashVersion}
	case st.InputHashVersion < 1:
		return nil, &CorruptError{Path: path, Err: fmt.Errorf(`"input_hash_version" %d is not an input hash version (missing?)`, st.InputHashVersion)}
	}
	if err := st.check(); err != nil {
		return nil, &CorruptError{Path: path, Err: err}
	}
	if st.Images == nil {
		st.Images = map[string]*Entry{}
	}
	return &st, nil
}

// check finds what JSON decoding cannot: missing or inconsistent fields.
func (s *State) check() error {
	if s.Lineage == "" {
		return errors.New(`it has no "lineage"`)
	}
	for addr, e := range s.Images {
		if e == nil {
			return fmt.Errorf("the entry of %s is null", addr)
		}
		if len(e.Outputs) == 0 {
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
// indent, a final newline.
func Marshal(s *State) ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	return append(data, '\n'), nil
}

// Lineage is the lineage of the state on disk; "" before it is written.
func (f *File) Lineage() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lineage
}

// Serial is the serial of the state on disk (0 when there is none).
func (f *File) Serial() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.serial
}

// Save writes st when it differs from what is on disk: the serial becomes
// one more than the file's, the file as it was when this File was loaded
// is kept as the backup (once: later saves of the same run, such as apply's
// checkpoints, leave it), and the new one replaces it atomically. An unchanged state writes nothing
// and reports false. A new, empty state is not written.
func (f *File) Save(st *State) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.persisted == nil && len(st.Images) == 0 {
		return false, nil
	}
	if f.lineage == "" {
		f.lineage = newLineage()
	}
	// Unchanged is judged in the file's own version: an older file that
	// holds the same state is not rewritten just to bump its version.
	st.Version, st.InputHashVersion, st.Lineage = max(f.version, 1), InputHashVersion, f.lineage
	st.Serial = f.serial
	same, err := Marshal(st)
	if err != nil {
		return false, err
	}
	if bytes.Equal(same, f.persisted) || bytes.Equal(same, f.canonicalForm()) {
		return false, nil
	}
	st.Version, st.Serial = Version, f.serial+1
	data, err := Marshal(st)
	if err != nil {
		return false, err
	}
	if f.loaded != nil && !f.backedUp {
		if err := atomicfile.WriteFile(f.path+BackupSuffix, f.loaded, 0o644); err != nil {
			return false, fmt.Errorf("saving state backup: %w", err)
		}
		f.backedUp = true
	}
	if err := atomicfile.WriteFile(f.path, data, 0o644); err != nil {
		return false, fmt.Errorf("saving state: %w", err)
	}
	f.persisted, f.canonical, f.serial, f.version = data, data, st.Serial, Version
	return true, nil
}

// canonicalForm returns the persisted state as Marshal writes it; nil when
// there is none. The caller holds f.mu.
func (f *File) canonicalForm() []byte {
	if f.canonical == nil && f.persisted != nil {
		if old, err := Parse(f.path, f.persisted); err == nil {
			f.canonical, _ = Marshal(old)
		}
	}
	return f.canonical
}
