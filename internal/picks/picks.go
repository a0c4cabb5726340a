package picks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/imgform/imgform/internal/atomicfile"
)

// FileName is the picks file, in the configuration directory.
const FileName = "imgform.picks.json"

// Version is the format version this imgform writes and the newest it
// reads.
const Version = 1

// Pick is the candidate picked for an image: its seed, and which
// candidate it was (1…N; 0 for a seed given by hand with --seed).
type Pick struct {
	Candidate int   `json:"candidate,omitempty"`
	Seed      int64 `json:"seed"`
}

// File is the picks of a configuration, by image address.
type File struct {
	Picks map[string]Pick
}

// Error is a picks file that cannot be read: where, and why.
type Error struct {
	Path         string
	Line, Column int // 0 when not known
	Err          error
}

func (e *Error) Error() string {
	where := e.Path
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.Path, e.Line, e.Column)
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// document is the file's JSON form.
type document struct {
	Picks   map[string]filePick `json:"picks"`
	Version *int                `json:"version"`
}

// filePick is a pick as the file writes it: what is absent is told from
// what is zero.
type filePick struct {
	Candidate *int   `json:"candidate"`
	Seed      *int64 `json:"seed"`
}

// Load reads the picks file in dir; none there is no pick. It returns the
// bytes read too ("" when there is none), for a caller that reports a
// problem with the source line.
func Load(dir string) (*File, []byte, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{Picks: map[string]Pick{}}, nil, nil
	}
	if err != nil {
		return nil, nil, &Error{Path: path, Err: err}
	}
	f, err := Parse(path, data)
	return f, data, err
}

// Parse reads a picks file's content; path names it in errors.
func Parse(path string, data []byte) (*File, error) {
	var doc document
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		e := &Error{Path: path, Err: err}
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			e.Line, e.Column = position(data, syn.Offset)
		case errors.As(err, &typ):
			e.Line, e.Column = position(data, typ.Offset)
		}
		return nil, e
	}
	if dec.More() {
		return nil, &Error{Path: path, Err: errors.New("more than one JSON value")}
	}
	switch {
	case doc.Version == nil:
		return nil, &Error{Path: path, Err: errors.New(`it has no "version"`)}
	case *doc.Version > Version:
		return nil, &Error{Path: path, Err: fmt.Errorf("format version %d, but this imgform reads versions up to %d; upgrade imgform", *doc.Version, Version)}
	case *doc.Version < 1:
		return nil, &Error{Path: path, Err: fmt.Errorf("version %d is not a picks format version", *doc.Version)}
	}
	picks := make(map[string]Pick, len(doc.Picks))
	for addr, p := range doc.Picks {
		var err error
		switch {
		case p.Seed == nil:
			err = fmt.Errorf("the pick of %s has no seed", addr)
		case *p.Seed < 0:
			err = fmt.Errorf("the pick of %s has a negative seed", addr)
		case p.Candidate != nil && *p.Candidate < 1:
			err = fmt.Errorf("the pick of %s has candidate %d: candidates are numbered from 1 (a seed picked by hand has no candidate)", addr, *p.Candidate)
		}
		if err != nil {
			line, col := find(data, strconv.Quote(addr))
			return nil, &Error{Path: path, Line: line, Column: col, Err: err}
		}
		pick := Pick{Seed: *p.Seed}
		if p.Candidate != nil {
			pick.Candidate = *p.Candidate
		}
		picks[addr] = pick
	}
	return &File{Picks: picks}, nil
}

// Line returns the line of the file at which the pick of addr is
// written, 0 when it is not found: for a diagnostic about that pick.
func Line(data []byte, addr string) int {
	line, _ := find(data, strconv.Quote(addr))
	return line
}

// Save writes the picks file in dir atomically: keys sorted, one pick per
// line. An empty file is removed instead.
func (f *File) Save(dir string) error {
	path := filepath.Join(dir, FileName)
	if len(f.Picks) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", path, err)
		}
		return nil
	}
	addrs := make([]string, 0, len(f.Picks))
	for a := range f.Picks {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var b strings.Builder
	b.WriteString("{\n  \"picks\": {\n")
	for i, a := range addrs {
		key, _ := json.Marshal(a)
		val, _ := json.Marshal(f.Picks[a]) // a struct of numbers: never fails
		fmt.Fprintf(&b, "    %s: %s", key, val)
		if i < len(addrs)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "  },\n  \"version\": %d\n}\n", Version)
	if err := atomicfile.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// position turns a byte offset into a line and column (1-based; columns
// count characters).
func position(data []byte, offset int64) (int, int) {
	line, col := 1, 1
	for _, c := range string(data[:max(min(int(offset)-1, len(data)), 0)]) {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func find(data []byte, s string) (int, int) {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 0, 0
	}
	return position(data, int64(i)+1)
}
