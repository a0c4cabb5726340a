package plan

import (
	"fmt"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// Candidate is one of the seeds an image with candidates may be made
// with: preview generates each, and imgform pick chooses one.
type Candidate struct {
	K         int // 1…N
	Request   model.Request
	InputHash state.Hash
	// Cost is what generating it costs at preview (0 when the cache holds
	// it); Cached says the cache holds it.
	Cost   int
	Cached bool
}

// Unpicked is an image with candidates none of which is picked.
type Unpicked struct {
	Address    string
	Candidates int
}

// Message says so, for people.
func (u Unpicked) Message() string {
	return fmt.Sprintf("%s: %d candidates, none picked; candidate 1 is used until one is", u.Address, u.Candidates)
}

// candidatesOf prices the candidates of a change's image, for preview:
// those the cache holds are free.
func (b *builder) candidatesOf(c *Change, img *spec.Image) {
	if img == nil || img.Candidates == 0 || img.Picked != nil || !needsImage(c) {
		return
	}
	for k, req := range img.CandidateRequests() {
		cand := Candidate{K: k + 1, Request: req, InputHash: req.InputHash()}
		if k == 0 {
			cand.Request, cand.InputHash = *c.Request, c.InputHash // the seed it keeps
		}
		if b.opts.Cache != nil {
			_, cand.Cached = b.opts.Cache.Lookup(b.ctx, cand.InputHash, req.Samples())
		}
		switch {
		case k == 0:
			cand.Cost, cand.Cached = c.Cost, c.Cached
		case !cand.Cached && !b.opts.Offline:
			cand.Cost = req.Samples()
		}
		c.Candidates = append(c.Candidates, cand)
	}
}

// candidateHashes are the input hashes of an image's candidates, for the
// cache to be asked about at once.
func candidateHashes(img *spec.Image) []state.Hash {
	if img == nil || img.Candidates == 0 || img.Picked != nil {
		return nil
	}
	var hs []state.Hash
	for _, req := range img.CandidateRequests()[1:] {
		hs = append(hs, req.InputHash())
	}
	return hs
}

// WithCandidates returns the plan preview carries out: every change with
// candidates becomes one change per candidate (Candidate set, the
// candidate's request, what it costs), so that each is generated, paid
// for and capped like any image. The others are as they are.
func WithCandidates(p *Plan) *Plan {
	out := *p
	out.Changes = nil
	for _, c := range p.Changes {
		if len(c.Candidates) == 0 {
			out.Changes = append(out.Changes, c)
			continue
		}
		for _, cand := range c.Candidates {
			cc := *c
			req := cand.Request
			cc.Request, cc.InputHash, cc.Cost, cc.Cached, cc.Candidate = &req, cand.InputHash, cand.Cost, cand.Cached, cand.K
			cc.SameRequestAs, cc.Resumes = "", false
			if cand.K == 1 {
				cc.Resumes = c.Resumes
				cc.SameRequestAs = c.SameRequestAs
			}
			out.Changes = append(out.Changes, &cc)
		}
	}
	out.summarize(p.Summary.Unchanged)
	return &out
}

func pickedMessage(k int, seed int64) string {
	if k == 0 {
		return fmt.Sprintf("the seed %d was picked", seed)
	}
	return fmt.Sprintf("candidate %d was picked (seed %d)", k, seed)
}
