package plan

import (
	"sort"

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
}

// Costs totals the state's recorded costs per block (image.NAME, all its
// instances), sorted by block, and overall.
func Costs(st *state.State) ([]BlockCost, BlockCost) {
	byBlock := map[string]*BlockCost{}
	total := BlockCost{Block: "total"}
	for addr, e := range st.Images {
		block := addr
		if a, err := spec.ParseAddress(addr); err == nil {
			block = spec.Address{Name: a.Name}.String()
		}
		b := byBlock[block]
		if b == nil {
			b = &BlockCost{Block: block}
			byBlock[block] = b
		}
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
