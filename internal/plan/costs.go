package plan

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/imgform/imgform/internal/cache"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// BlockCost is what the images of one block cost when they were made.
type BlockCost struct {
	Block   string  `json:"block"`
	Images  int     `json:"images"`
	CostUSD float64 `json:"cost_usd"`
	// Unknown counts images made by the API before costs were recorded.
	Unknown int `json:"unknown,omitempty"`
	// Candidates counts, of Images, the candidates preview paid for that
	// the state does not record (not picked).
	Candidates int `json:"candidates,omitempty"`
}

// Paid is an image paid for that the state does not record: a candidate
// of an image, which preview generated and which is not the one picked.
type Paid struct {
	Address string
	CostUSD float64
}

// CandidatesPaid finds, for every image the state records and whose
// configuration declares candidates, the candidates other than the one
// recorded that the cache holds as made and paid for (its entry's cost):
// what preview paid for them. stat reads a cache entry's metadata
// (cache.Cache.Stat); one it does not hold is not counted.
func CandidatesPaid(ctx context.Context, images []*spec.Image, st *state.State, stat func(context.Context, state.Hash) (*cache.Entry, error)) ([]Paid, error) {
	var paid []Paid
	for _, img := range images {
		addr := img.Addr.String()
		e := st.Images[addr]
		if img.Candidates == 0 || e == nil {
			continue
		}
		for _, req := range img.CandidateRequests() {
			h := req.InputHash()
			if h == e.InputHash {
				continue
			}
			ce, err := stat(ctx, h)
			switch {
			case errors.Is(err, cache.ErrNotFound):
				continue
			case err != nil:
				return nil, fmt.Errorf("reading the cache entry of a candidate of %s: %w", addr, err)
			}
			if ce.CostUSD > 0 {
				paid = append(paid, Paid{Address: addr, CostUSD: ce.CostUSD})
			}
		}
	}
	return paid, nil
}

// Costs totals the state's recorded costs, and the candidates paid for
// beside them, per block (image.NAME, all its instances), sorted by
// block, and overall.
func Costs(st *state.State, candidates []Paid) ([]BlockCost, BlockCost) {
	byBlock := map[string]*BlockCost{}
	total := BlockCost{Block: "total"}
	blockOf := func(addr string) *BlockCost {
		block := addr
		if a, err := spec.ParseAddress(addr); err == nil {
			block = spec.Address{Name: a.Name}.String()
		}
		b := byBlock[block]
		if b == nil {
			b = &BlockCost{Block: block}
			byBlock[block] = b
		}
		return b
	}
	for _, p := range candidates {
		for _, c := range []*BlockCost{blockOf(p.Address), &total} {
			c.Images++
			c.Candidates++
			c.CostUSD += p.CostUSD
		}
	}
	for addr, e := range st.Images {
		b := blockOf(addr)
		for _, c := range []*BlockCost{b, &total} {
			c.Images++
			c.CostUSD += e.CostUSD
			if e.CostUSD == 0 && e.Generator == state.GeneratorAPI {
				c.Unknown++
			}
		}
	}
	out := make([]BlockCost, 0, len(byBlock))
	for _, b := range byBlock {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Block < out[j].Block })
	return out, total
}
