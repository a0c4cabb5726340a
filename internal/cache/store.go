package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imgform/imgform/internal/model"
)

// Store keeps image sets by input hash.
type Store interface {
	// String names the store for people: a path, or a location without
	// its credentials.
	String() string

	// Has reports, of each hash, whether the store holds a complete
	// entry for it, without reading any image.
	Has(ctx context.Context, hs []model.Hash) (map[model.Hash]bool, error)

	// Stat returns an entry's metadata without reading its images:
	// ErrNotFound when there is no complete entry.
	Stat(ctx context.Context, h model.Hash) (*Entry, error)

	// Get returns an entry and the bytes of its files, in order, each
	// checked against the SHA-256 the entry records: ErrNotFound when
	// there is no complete entry, a *DamagedError when a file is missing
	// or is not what was put.
	Get(ctx context.Context, h model.Hash) (*Entry, [][]byte, error)

	// Put stores e with its files (data[i] is e.Files[i]), replacing any
	// entry of e.InputHash. The metadata goes last: until every file is
	// stored, the entry is incomplete and not found.
	Put(ctx context.Context, e *Entry, data [][]byte) error

	// List returns every hash the store holds anything of, incomplete
	// entries (left by a crash) included, sorted.
	List(ctx context.Context) ([]model.Hash, error)

	// Remove deletes the entry of h, complete or not. An entry that is
	// not there is no error.
	Remove(ctx context.Context, h model.Hash) error
}

// Entry is the metadata of a cached image set.
type Entry struct {
	InputHash     model.Hash `json:"input_hash"`
	Files         []File     `json:"files"`
	RequestID     string     `json:"request_id,omitempty"`
	InferenceTime float64    `json:"inference_time,omitempty"`
	Created       time.Time  `json:"created"`
	// Endpoint is the origin of the API that made the images, and
	// Placeholder marks an emulator's placeholders. Entries written
	// before these were kept have neither; for them Get looks for the
	// placeholder chunk in the images themselves.
	Endpoint    string `json:"endpoint,omitempty"`
	Placeholder bool   `json:"placeholder,omitempty"`
	// Address is the image that first asked for the request, for people
	// (cache prune lists it); other images may make the same request.
	Address string `json:"address,omitempty"`
	// CostUSD is what the images cost when the API made them.
	CostUSD float64 `json:"cost_usd,omitempty"`

	// Healed says, for an entry Cache.Get returns, that the local copy
	// was damaged and the shared cache's replaced it; "" otherwise. It is
	// not stored.
	Healed string `json:"-"`
}

// File is one image of a cached set.
type File struct {
	Name        string     `json:"name"`
	SHA256      model.Hash `json:"sha256"`
	Size        int64      `json:"size"`
	ContentType string     `json:"content_type"`
}

// Size is the bytes the entry's images take.
func (e *Entry) Size() int64 {
	var n int64
	for _, f := range e.Files {
		n += f.Size
	}
	return n
}

// ErrNotFound is an image set the cache does not hold.
var ErrNotFound = errors.New("not in the cache")

// DamagedError is an entry whose bytes are not what was put: a file
// missing or changed, metadata that cannot be read or names another
// hash, an image imgform cannot read. It is not served; it wraps
// ErrNotFound when the entry is as good as absent (a file is missing or
// changed), so that it is simply made again.
type DamagedError struct {
	Hash   model.Hash
	Reason string // "0.png does not match its hash"
	absent bool
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("cache entry %s is damaged: %s", e.Hash.Short(), e.Reason)
}

func (e *DamagedError) Unwrap() error {
	if e.absent {
		return ErrNotFound
	}
	return nil
}

// Damaged is the error of an entry whose file is missing or changed.
func Damaged(h model.Hash, reason string) error {
	return &DamagedError{Hash: h, Reason: reason, absent: true}
}

// Unreadable is the error of an entry whose metadata cannot be trusted.
func Unreadable(h model.Hash, reason string) error {
	return &DamagedError{Hash: h, Reason: reason}
}
