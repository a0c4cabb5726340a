package main

import (
	"context"

	"github.com/imgform/imgform/internal/cache"
	cachedir "github.com/imgform/imgform/internal/cache/dir"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/workspace"
)

// candidatesPaid are the candidates preview paid for beside st (see
// workspace.CandidatesPaid), this machine's cache asked when the team's
// does not answer.
func candidatesPaid(ctx context.Context, e *env, st *state.State) ([]plan.Paid, error) {
	return workspace.CandidatesPaid(ctx, e.wiring(), st, func() *cache.Cache { return cache.New(cachedir.New(cacheDir(e))) })
}
