package plan

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/imgform/imgform/internal/spec"
)

// Limits are the rate and budget a run keeps to, and where the budget was
// set (for messages).
type Limits struct {
	RatePerMinute float64
	MaxCost       *float64 // nil: no budget; 0 allows nothing to be paid
	MaxCostFrom   string
}

// LimitSources are the places a limit is set, first that wins: each as
// written there ("" for unset) and named for messages.
type LimitSources struct {
	Rate, MaxCost []Setting
}

// Setting is one place a limit may be set: a flag, a variable.
type Setting struct {
	Name, Value string
}

// ResolveLimits takes each limit from the first of its sources that sets
// it, else from the imgform block.
func ResolveLimits(src LimitSources, settings *spec.Settings) (Limits, error) {
	var l Limits
	rate := Setting{Name: "rate in the imgform block", Value: settings.Rate}
	for _, s := range src.Rate {
		if s.Value != "" {
			rate = s
			break
		}
	}
	perMinute, err := spec.ParseRate(rate.Value)
	if err != nil {
		return l, fmt.Errorf("%s: %w", rate.Name, err)
	}
	l.RatePerMinute = perMinute
	for _, s := range src.MaxCost {
		if s.Value == "" {
			continue
		}
		usd, err := parseDollars(s.Name, s.Value)
		if err != nil {
			return l, err
		}
		l.MaxCost, l.MaxCostFrom = &usd, s.Name
		return l, nil
	}
	if settings.MaxCost != nil {
		l.MaxCost, l.MaxCostFrom = settings.MaxCost, "max_cost in the imgform block"
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

// CheckBudget refuses a plan that would cost more than the budget, before
// anything is sent.
func (l Limits) CheckBudget(p *Plan) error {
	if l.MaxCost == nil {
		return nil
	}
	if usd, _ := p.Cost(); usd > *l.MaxCost+1e-9 {
		return fmt.Errorf("this plan would cost $%.3f, more than %s $%.3f", usd, l.MaxCostFrom, *l.MaxCost)
	}
	return nil
}
