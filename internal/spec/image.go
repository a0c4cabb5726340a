package spec

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/picks"
)

// SeedOrigin records where an image's seed came from.
type SeedOrigin string

const (
	// SeedExplicit: the configuration set the seed.
	SeedExplicit SeedOrigin = "explicit"
	// SeedDerived: no seed was set; imgform derived a fixed one from the
	// image's address, so the image is reproducible by default.
	SeedDerived SeedOrigin = "derived"
	// SeedRandom: the configuration asked for seed = -1. A random seed is
	// chosen when the image is first planned and recorded in the state.
	SeedRandom SeedOrigin = "random"
	// SeedPicked: the image has candidates, and one was picked
	// (imgform.picks.json): its seed is the image's.
	SeedPicked SeedOrigin = "picked"
)

// Image is one desired image, fully resolved.
type Image struct {
	Addr Address
	// Request holds every parameter with its default filled in. Its seed
	// is the explicit or derived seed, or -1 when SeedOrigin is SeedRandom.
	Request    model.Request
	SeedOrigin SeedOrigin
	// Outputs are the image's output paths, relative to the configuration
	// directory, cleaned and slash-separated; one per sample. None when
	// the image has variants and no output of its own: it is then kept in
	// the content cache only, and its variants are derived from there.
	Outputs []string
	// Candidates is the number of candidate seeds the image asks for (2
	// to MaxCandidates; 0 for none): candidate k's seed is
	// CandidateSeed(k), and candidate 1 is the image's usual derived seed.
	// Picked is the pick that chose one (the request's seed is then its
	// seed); nil while none is picked, and candidate 1 is used.
	Candidates int
	Picked     *picks.Pick
	// Variants are the files derived from each sample, in declaration
	// order (dynamic ones where their dynamic block is).
	Variants []Variant
	// DeclRange is the range of the image block's header.
	DeclRange hcl.Range
}

// Format is an output file's image format, decided by its extension.
type Format string

const (
	FormatPNG  Format = "png"
	FormatJPEG Format = "jpeg"
)

// OutputFormat returns the format an output path is written in: JPEG for
// .jpg and .jpeg, PNG for .png and for a path without an extension. It
// returns "" for any other extension.
func OutputFormat(p string) Format {
	switch strings.ToLower(path.Ext(p)) {
	case ".png", "":
		return FormatPNG
	case ".jpg", ".jpeg":
		return FormatJPEG
	}
	return ""
}

// DeriveSeed returns the fixed seed of an image whose configuration sets
// none: a hash of its address, within the default model's seed range. It
// depends on nothing else, so adding or reordering images never changes
// another image's seed.
func DeriveSeed(a Address) int64 {
	return deriveSeedFor(model.Default, a)
}

// The bounds of candidates.
const (
	minCandidates = 2
	MaxCandidates = 16
)

// CandidateSeed is the seed of candidate k (1-based) of the image at a:
// candidate 1 has the image's derived seed, the others seeds derived from
// the address and k the same way, so they never change either.
func CandidateSeed(s *model.Schema, a Address, k int) int64 {
	if k <= 1 {
		return deriveSeedFor(s, a)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("imgform/candidate-seed/v1\x00%s\x00%d", a, k)))
	return int64(binary.BigEndian.Uint64(sum[:8]) % uint64(s.MaxSeed()+1))
}

// CandidateRequests returns the requests of the image's candidates, in
// order (candidate k at index k-1); none for an image without.
func (img *Image) CandidateRequests() []model.Request {
	var out []model.Request
	for k := 1; k <= img.Candidates; k++ {
		out = append(out, img.Request.WithSeed(CandidateSeed(img.Request.Schema(), img.Addr, k)))
	}
	return out
}

// deriveSeedFor is DeriveSeed for an image of the model s.
func deriveSeedFor(s *model.Schema, a Address) int64 {
	sum := sha256.Sum256([]byte("imgform/derived-seed/v1\x00" + a.String()))
	return int64(binary.BigEndian.Uint64(sum[:8]) % uint64(s.MaxSeed()+1))
}
