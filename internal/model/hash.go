package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// Hash is a SHA-256 digest: an input hash or a file's content hash.
type Hash [32]byte

// String is the full lower-case hex form.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Short is the first twelve hex digits, for display.
func (h Hash) Short() string { return h.String()[:12] }

// IsZero reports whether h is the zero hash (no hash recorded).
func (h Hash) IsZero() bool { return h == Hash{} }

func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash reads a hash written as 64 hex digits.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("invalid hash %q: want %d hex digits", s, 2*len(h))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("invalid hash %q: %w", s, err)
	}
	return h, nil
}

// SumBytes returns the SHA-256 of b.
func SumBytes(b []byte) Hash { return sha256.Sum256(b) }

// SumReader returns the SHA-256 of everything r yields, and its length.
func SumReader(r io.Reader) (Hash, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return Hash{}, n, err
	}
	var out Hash
	h.Sum(out[:0])
	return out, n, nil
}
