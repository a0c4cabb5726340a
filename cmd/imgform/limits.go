package main

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
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

// limits are the rate and budget a run keeps to, and where each was set
// (for messages).
type limits struct {
	ratePerMinute float64
	maxCost       *float64 // nil: no budget; 0 allows nothing to be paid
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
		return l, &cli.UsageError{Msg: fmt.Sprintf("%s: %v", from, err)}
	}
	l.ratePerMinute = perMinute
	switch {
	case o.maxCost != "":
		usd, err := parseDollars("--max-cost", o.maxCost)
		if err != nil {
			return l, &cli.UsageError{Msg: err.Error()}
		}
		l.maxCost, l.maxCostFrom = &usd, "--max-cost"
	case e.getenv(EnvMaxCost) != "":
		usd, err := parseDollars(EnvMaxCost, e.getenv(EnvMaxCost))
		if err != nil {
			return l, err
		}
		l.maxCost, l.maxCostFrom = &usd, EnvMaxCost
	case settings.MaxCost != nil:
		l.maxCost, l.maxCostFrom = settings.MaxCost, "max_cost in the imgform block"
	}
	return l, nil
}

// dollarAmount is an amount as people write one: 5, 12.50, .5, $5.
var dollarAmount = regexp.MustCompile(`^\$?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// parseDollars reads an amount in dollars given to name (a flag or a
// variable). 0 is an amount: nothing may be paid.
func parseDollars(name, s string) (float64, error) {
	t := strings.TrimSpace(s)
	if dollarAmount.MatchString(t) {
		if usd, err := strconv.ParseFloat(strings.TrimPrefix(t, "$"), 64); err == nil && !math.IsInf(usd, 0) {
			return usd, nil
		}
	}
	return 0, fmt.Errorf("%s: %q is not an amount in dollars (e.g. 5 or 12.50)", name, s)
}

// checkBudget refuses a plan that would cost more than the budget, before
// anything is sent.
func (l limits) checkBudget(p *plan.Plan) error {
	if l.maxCost == nil {
		return nil
	}
	if usd, _ := p.Cost(); usd > *l.maxCost+1e-9 {
		return fmt.Errorf("this plan would cost $%.3f, more than %s $%.3f", usd, l.maxCostFrom, *l.maxCost)
	}
	return nil
}
