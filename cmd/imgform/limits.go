package main

import (
	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/plan"
)

// The environment variables of the limits.
const (
	EnvRate    = "IMGFORM_RATE"
	EnvMaxCost = "IMGFORM_MAX_COST"
)

// limitOptions are --rate and --max-cost, shared by plan, apply and
// preview.
type limitOptions struct {
	rate    string
	maxCost string
}

func (o *limitOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.rate, "rate", "", "pace billable requests at the account's rate limit, `N/min` or N/s (default: IMGFORM_RATE, then the imgform block's rate)")
	fs.StringVar(&o.maxCost, "max-cost", "", "refuse a plan that would cost more than `USD` (0: nothing may be paid), and stop submitting before a run would (default: IMGFORM_MAX_COST, then the imgform block's max_cost; none: no limit)")
}

// sources are the places the limits are set, first that wins: the flag,
// then the environment (then the imgform block, see plan.ResolveLimits).
func (o limitOptions) sources(e *env) plan.LimitSources {
	return plan.LimitSources{
		Rate:    []plan.Setting{{Name: "--rate", Value: o.rate}, {Name: EnvRate, Value: e.getenv(EnvRate)}},
		MaxCost: []plan.Setting{{Name: "--max-cost", Value: o.maxCost}, {Name: EnvMaxCost, Value: e.getenv(EnvMaxCost)}},
	}
}
