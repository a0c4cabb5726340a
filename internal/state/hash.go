package state

import (
	"io"

	"github.com/imgform/imgform/internal/model"
)

// Hash is a SHA-256 digest: an input hash or a file's content hash.
type Hash = model.Hash

// InputHashVersion is the version of the input hash encoding this imgform
// computes (model.InputHashVersion); the state file records it.
const InputHashVersion = model.InputHashVersion

// ParseHash reads a hash written as 64 hex digits.
func ParseHash(s string) (Hash, error) { return model.ParseHash(s) }

// SumBytes returns the SHA-256 of b.
func SumBytes(b []byte) Hash { return model.SumBytes(b) }

// SumReader returns the SHA-256 of everything r yields, and its length.
func SumReader(r io.Reader) (Hash, int64, error) { return model.SumReader(r) }
