package main

import (
	"fmt"
	"math"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/plan"
	"github.com/imgform/imgform/spec"
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
	maxCost float64
}

func (o *limitOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.rate, "rate", "", "pace billable requests at the account's rate limit, `N/min` or N/s (default: IMGFORM_RATE, then the imgform block's rate)")
	fs.Float64Var(&o.maxCost, "max-cost", 0, "refuse a plan that would cost more than `USD`, and stop submitting before a run would (default: IMGFORM_MAX_COST, then the imgform block's max_cost)")
}

// limits are the rate and budget a run keeps to, and where each was set
// (for messages).
type limits struct {
	ratePerMinute float64
	maxCost       float64
	maxCostFrom   string
}

// resolveLimits takes each limit from the flag, else the environment,
// else the imgform block.
func resolveLimits(e *env, o limitOptions, settings *spec.Settings) (limits, error) {
	var l limits
	rate, from := o.rate, "--rate"
	if rate == "" {
		rate, from = e.getenv(EnvRate), EnvRate
	}
	if rate == "" {
		rate, from = settings.Rate, "rate in the imgform block"
	}
	perMinute, err := spec.ParseRate(rate)
	if err != nil {
		return l, &usageError{msg: fmt.Sprintf("%s: %v", from, err)}
	}
	l.ratePerMinute = perMinute
	switch {
	case o.maxCost < 0 || math.IsNaN(o.maxCost) || math.IsInf(o.maxCost, 0):
		return l, &usageError{msg: "--max-cost must be a positive number of dollars"}
	case o.maxCost > 0:
		l.maxCost, l.maxCostFrom = o.maxCost, "--max-cost"
	case e.getenv(EnvMaxCost) != "":
		f, err := strconv.ParseFloat(e.getenv(EnvMaxCost), 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) {
			return l, fmt.Errorf("%s=%q is not a positive number of dollars", EnvMaxCost, e.getenv(EnvMaxCost))
		}
		l.maxCost, l.maxCostFrom = f, EnvMaxCost
	case settings.MaxCost > 0:
		l.maxCost, l.maxCostFrom = settings.MaxCost, "max_cost in the imgform block"
	}
	return l, nil
}

// checkBudget refuses a plan that would cost more than the budget, before
// anything is sent.
func (l limits) checkBudget(p *plan.Plan) error {
	if l.maxCost <= 0 {
		return nil
	}
	if usd, _ := p.Cost(); usd > l.maxCost+1e-9 {
		return fmt.Errorf("this plan would cost $%.3f, more than %s $%.3f", usd, l.maxCostFrom, l.maxCost)
	}
	return nil
}
