package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// writeCosts prints what the state's images cost, per block and overall.
func writeCosts(w io.Writer, st *state.State, asJSON bool) error {
	blocks, total := plan.Costs(st)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Blocks []plan.BlockCost `json:"blocks"`
			Total  plan.BlockCost   `json:"total"`
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
