package main

import (
	"context"
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
