package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/imgform/imgform/internal/cache"
	cachedir "github.com/imgform/imgform/internal/cache/dir"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// candidatesPaid are the candidates preview paid for that the state does
// not record, of the images whose configuration declares candidates:
// none when there is no such image, or the configuration cannot be read
// (the state's own costs are shown then).
func candidatesPaid(ctx context.Context, e *env, st *state.State) ([]plan.Paid, error) {
	cfg, diags := spec.Load(ctx, ".", spec.Options{Vars: e.g.vars, VarFiles: e.g.varFiles, Environ: e.environ(), AllowUnset: true})
	if diags.HasErrors() || !slices.ContainsFunc(cfg.Images, func(img *spec.Image) bool { return img.Candidates > 0 }) {
		return nil, nil
	}
	// A report: the team cache is asked when it answers, and this
	// machine's alone otherwise, saying so.
	c, err := openCache(ctx, e, &cfg.Settings)
	if err != nil {
		newView(e).warnf("the team cache cannot be asked (%v): the candidates only it holds are not counted", err)
		c = cache.New(cachedir.New(cacheDir(e)))
	}
	return plan.CandidatesPaid(ctx, cfg.Images, st, c.Stat)
}

// writeCosts prints what the state's images cost, and the candidates
// paid for beside them, per block and overall.
func writeCosts(w io.Writer, st *state.State, candidates []plan.Paid, asJSON bool) error {
	blocks, total := plan.Costs(st, candidates)
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
	if total.Candidates > 0 {
		fmt.Fprintf(bw, "\n%d of these %s preview generated and not picked (in the cache: imgform pick chooses among them for free).\n", total.Candidates, pluralWord(total.Candidates, "is a candidate", "are candidates"))
	}
	if total.Unknown > 0 {
		fmt.Fprintf(bw, "\n%d %s made by the API before imgform recorded costs count as $0 here.\n", total.Unknown, pluralWord(total.Unknown, "image", "images"))
	}
	return bw.Flush()
}
