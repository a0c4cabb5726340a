package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// blockCost is what the images of one block cost when they were made.
type blockCost struct {
	Block   string  `json:"block"`
	Images  int     `json:"images"`
	CostUSD float64 `json:"cost_usd"`
	// Unknown counts images made by the API before costs were recorded.
	Unknown int `json:"unknown,omitempty"`
}

// costs totals the state's recorded costs per block (image.NAME, all its
// instances), sorted by block, and overall.
func costs(st *state.State) ([]blockCost, blockCost) {
	byBlock := map[string]*blockCost{}
	total := blockCost{Block: "total"}
	for addr, e := range st.Images {
		block := addr
		if a, err := spec.ParseAddress(addr); err == nil {
			block = spec.Address{Name: a.Name}.String()
		}
		b := byBlock[block]
		if b == nil {
			b = &blockCost{Block: block}
			byBlock[block] = b
		}
		for _, c := range []*blockCost{b, &total} {
			c.Images++
			c.CostUSD += e.CostUSD
			if e.CostUSD == 0 && e.Generator == state.GeneratorAPI {
				c.Unknown++
			}
		}
	}
	out := make([]blockCost, 0, len(byBlock))
	for _, b := range byBlock {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Block < out[j].Block })
	return out, total
}

// writeCosts prints what the state's images cost, per block and overall.
func writeCosts(w io.Writer, st *state.State, asJSON bool) error {
	blocks, total := costs(st)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Blocks []blockCost `json:"blocks"`
			Total  blockCost   `json:"total"`
		}{blocks, total})
	}
	bw := bufio.NewWriter(w)
	width := len("total")
	for _, b := range blocks {
		width = max(width, len(b.Block))
	}
	fmt.Fprintf(bw, "%-*s  %7s  %10s\n", width, "block", "images", "cost")
	for _, b := range append(blocks, total) {
		fmt.Fprintf(bw, "%-*s  %7d  %10s\n", width, b.Block, b.Images, fmt.Sprintf("$%.3f", b.CostUSD))
	}
	if total.Unknown > 0 {
		fmt.Fprintf(bw, "\n%d %s made by the API before imgform recorded costs count as $0 here.\n", total.Unknown, pluralWord(total.Unknown, "image", "images"))
	}
	return bw.Flush()
}
