package spec

import (
	"fmt"

	"github.com/imgform/imgform/internal/picks"
)

// RecordPick writes a pick into the picks file in dir: candidate k of
// the image at addr, or the seed given, or (clear) none. It is the one
// way a pick is made: by imgform pick, and from the review page of
// preview --serve. It returns what it did, in a sentence.
func RecordPick(cfg *Config, dir, addr string, k int, seed *int64, clear bool) (string, error) {
	a, err := ParseAddress(addr)
	if err != nil {
		return "", fmt.Errorf("%q is not an image address: %w", addr, err)
	}
	img := cfg.Lookup(a)
	switch {
	case img == nil:
		return "", fmt.Errorf("%s is not in the configuration", a)
	case img.Candidates == 0 && !clear:
		return "", fmt.Errorf("%s has no candidates: set candidates = N (2 to %d) in its block first", a, MaxCandidates)
	}
	f, _, err := picks.Load(dir)
	if err != nil {
		return "", err
	}
	// A pick recorded under an address a moved block renamed is the
	// image's: it is replaced, not kept beside the new one.
	for _, m := range cfg.Moves {
		for old := range f.Picks {
			if oa, err := ParseAddress(old); err == nil && (m.From == oa || (m.From.Kind == NoKey && oa.Name == m.From.Name && m.To.Name == a.Name)) {
				delete(f.Picks, old)
			}
		}
	}
	var msg string
	switch {
	case clear:
		delete(f.Picks, a.String())
		msg = fmt.Sprintf("%s: pick removed; candidate 1 is used until one is picked.", a)
	case seed != nil:
		if *seed > img.Request.Schema().MaxSeed() {
			return "", fmt.Errorf("the seed %d is out of the model's range (0 to %d)", *seed, img.Request.Schema().MaxSeed())
		}
		f.Picks[a.String()] = picks.Pick{Seed: *seed}
		msg = fmt.Sprintf("%s: seed %d picked.", a, *seed)
	default:
		if k < 1 || k > img.Candidates {
			return "", fmt.Errorf("%s has candidates 1 to %d; there is no candidate %d", a, img.Candidates, k)
		}
		s := CandidateSeed(img.Request.Schema(), a, k)
		f.Picks[a.String()] = picks.Pick{Candidate: k, Seed: s}
		msg = fmt.Sprintf("%s: candidate %d picked (seed %d).", a, k, s)
	}
	if err := f.Save(dir); err != nil {
		return "", err
	}
	return msg + " Recorded in " + picks.FileName + ": commit it with the configuration.", nil
}
