package main

import (
	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
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

// resolveLimits takes each limit from the flag, else the environment,
// else the imgform block.
func resolveLimits(e *env, o limitOptions, settings *spec.Settings) (plan.Limits, error) {
	return plan.ResolveLimits(plan.LimitSources{
		Rate:    []plan.Setting{{Name: "--rate", Value: o.rate}, {Name: EnvRate, Value: e.getenv(EnvRate)}},
		MaxCost: []plan.Setting{{Name: "--max-cost", Value: o.maxCost}, {Name: EnvMaxCost, Value: e.getenv(EnvMaxCost)}},
	}, settings)
}
