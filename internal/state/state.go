package state

import (
	"crypto/rand"
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/imgform/imgform/internal/model"
)

// Version is the version of the state file format this imgform writes and
// the newest it reads. Version 2 added where an API image was made
// (endpoint, placeholder) and the hash of each image as it was made
// (source_sha256); version 3 the configuration revision that last changed
// an image (revision); version 4 the variants derived from an image
// (variants), and entries with no output of their own; version 5 the
// configuration changes not yet committed that an image was made from
// (uncommitted). An older file reads as the current version without
// them, and is written as the current version at its next change.
const Version = 5

// Generator says what made an image.
type Generator string

const (
	GeneratorAPI      Generator = "api"      // the Segmind API
	GeneratorOffline  Generator = "offline"  // the built-in placeholder renderer (apply --offline)
	GeneratorImported Generator = "imported" // adopted with imgform import
)

// State is what imgform knows it generated. Its JSON keys are written in
// sorted order (fields here are declared alphabetically by JSON name, and
// the images map's keys are sorted by encoding/json), so that the file is
// byte-stable and a change shows as a small diff.
type State struct {
	// Images holds one entry per image address.
	Images map[string]*Entry `json:"images"`
	// InputHashVersion is the version of the input hash encoding the
	// entries' hashes were computed with.
	InputHashVersion int `json:"input_hash_version"`
	// Lineage identifies this state for its whole life; it is fixed when
	// the state is created. A saved plan is refused by a state of
	// another lineage.
	Lineage string `json:"lineage"`
	// Serial grows by one with every saved change.
	Serial uint64 `json:"serial"`
	// Version is the format version (see Version).
	Version int `json:"version"`
}

// Entry is what the state records of one image (fields in JSON key order).
type Entry struct {
	// CostUSD is what the image cost when it was made, in dollars: the
	// charge the provider reported, or the model's price; 0 for images
	// made offline or imported, and in entries written before it was kept.
	CostUSD float64 `json:"cost_usd,omitempty"`
	// Endpoint is the origin of the API that made an image of generator
	// "api" (https://api.segmind.com, or an emulator's); "" in entries
	// written before version 2.
	Endpoint  string    `json:"endpoint,omitempty"`
	Generator Generator `json:"generator"`
	InputHash Hash      `json:"input_hash"`
	Outputs   []Output  `json:"outputs"`
	// Placeholder marks an image of generator "api" that is an emulator's
	// placeholder (its PNG carries the placeholder chunk): a plan against
	// another endpoint replaces it with a real image.
	Placeholder bool          `json:"placeholder,omitempty"`
	Request     model.Request `json:"request"`
	// Revision is the configuration revision (the git commit checked out)
	// that last changed the image: made it, changed its request, moved its
	// outputs or its address. "" outside git, and in entries written
	// before version 3. A checkout whose history does not hold it leaves
	// the image alone (see plan.History).
	Revision string `json:"revision,omitempty"`
	// SeedOrigin is where the seed came from: "explicit", "derived" or
	// "random" (the configuration asked for -1 and this seed was drawn).
	SeedOrigin string `json:"seed_origin"`
	// Uncommitted marks an image made from configuration changes that
	// were not committed when it was made: Revision is the commit they
	// were made on top of. A checkout that holds neither those changes
	// nor a commit of them leaves the image alone; a checkout whose
	// committed configuration makes the very same image records its
	// commit instead, and drops the mark.
	Uncommitted *Uncommitted `json:"uncommitted,omitempty"`
	// Variants are the files derived from the image's samples (resized,
	// cropped, in another format): free to make again from the image.
	Variants []Variant `json:"variants,omitempty"`
}

// Uncommitted is the configuration changes, on top of the revision an
// entry records, that an image was made from (fields in JSON key order).
// It is a value: nothing changes one once made.
type Uncommitted struct {
	// Checkout identifies the checkout the apply ran in (a random id it
	// keeps in .imgform/): that checkout holds its own changes, whatever
	// it did with them since.
	Checkout string `json:"checkout,omitempty"`
	// Files are the configuration files that differed from the commit,
	// by their path from the top of the repository (slash-separated), each
	// with the git object id of its content then ("" for a file deleted).
	Files map[string]string `json:"files"`
	// Host and Time say where and when the apply ran, for people.
	Host string    `json:"host,omitempty"`
	Time time.Time `json:"time"`
}

// Variant is one file derived from one of an image's samples (fields in
// JSON key order).
type Variant struct {
	// AttrHash is the hash of the attributes that decide the variant's
	// bytes (its size, fit, format, quality, …, and the version of the
	// derivation): another hash derives it again.
	AttrHash Hash `json:"attr_hash"`
	// Attributes are those attributes as text, for a plan to show what
	// changed.
	Attributes map[string]string `json:"attributes"`
	ModTime    time.Time         `json:"mtime"`
	// Name is the variant block's label.
	Name string `json:"name"`
	Path string `json:"path"` // relative to the configuration directory, slash-separated
	// Sample is the index of the sample it was derived from.
	Sample int   `json:"sample"`
	SHA256 Hash  `json:"sha256"`
	Size   int64 `json:"size"`
	// SourceSHA256 is the SHA-256 of the image it was derived from, as
	// the generator gave it (the content cache's copy).
	SourceSHA256 Hash `json:"source_sha256"`
}

// File is the variant's file as an output: its path, content hash, size
// and modification time, which drift is checked against.
func (v Variant) File() Output {
	return Output{Path: v.Path, SHA256: v.SHA256, Size: v.Size, ModTime: v.ModTime}
}

// Paths returns every file the entry records: its outputs, then its
// variants.
func (e *Entry) Paths() []string {
	paths := make([]string, 0, len(e.Outputs)+len(e.Variants))
	for _, o := range e.Outputs {
		paths = append(paths, o.Path)
	}
	for _, v := range e.Variants {
		paths = append(paths, v.Path)
	}
	return paths
}

// Output is one file an image was written to (fields in JSON key order).
type Output struct {
	// InferenceTime is the server's compute time in seconds, when known.
	InferenceTime float64   `json:"inference_time,omitempty"`
	ModTime       time.Time `json:"mtime"`
	Path          string    `json:"path"` // relative to the configuration directory, slash-separated
	// RequestID is the API's id of the request that made the image, when
	// it came from the API.
	RequestID string `json:"request_id,omitempty"`
	SHA256    Hash   `json:"sha256"`
	Size      int64  `json:"size"`
	// SourceSHA256 is the SHA-256 of the image as the generator gave it
	// (the content cache's copy), before it was converted or given its
	// provenance metadata: a restore from the cache must match it. Zero in
	// entries written before version 2.
	SourceSHA256 Hash `json:"source_sha256,omitzero"`
}

// New returns an empty state with a new lineage.
func New() *State {
	return &State{Version: Version, InputHashVersion: InputHashVersion, Lineage: newLineage(), Images: map[string]*Entry{}}
}

// Addresses returns the addresses of the state's images, sorted.
func (s *State) Addresses() []string {
	out := make([]string, 0, len(s.Images))
	for a := range s.Images {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Clone returns a deep copy, so that a run can change its copy while a
// checkpoint writes another.
func (s *State) Clone() *State {
	c := *s
	c.Images = make(map[string]*Entry, len(s.Images))
	for a, e := range s.Images {
		c.Images[a] = e.Clone()
	}
	return &c
}

// Clone returns a deep copy of the entry.
func (e *Entry) Clone() *Entry {
	c := *e
	c.Outputs = append([]Output(nil), e.Outputs...)
	c.Variants = append([]Variant(nil), e.Variants...)
	if e.Uncommitted != nil {
		u := *e.Uncommitted
		u.Files = maps.Clone(u.Files)
		c.Uncommitted = &u
	}
	return &c
}

// newLineage returns a random UUID (version 4).
func newLineage() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("state: reading random bytes: %v", err)) // crypto/rand does not fail on supported systems
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
