package apply

import (
	"fmt"
	"sync"

	"github.com/imgform/imgform/internal/model"
)

// spend accounts for what a run pays, and keeps it within the budget:
// every billable request reserves its cost before it is sent, and the
// reservation is settled as spent (the images came), possibly billed (no
// usable answer), or released (the API proved it did nothing).
type spend struct {
	max *float64 // nil: no budget

	mu             sync.Mutex
	spent          float64 // images the API made in this run
	possiblyBilled float64 // requests that may have been billed without images
	inFlight       float64 // reserved, not yet settled
}

// BudgetError stops a run whose next request would take what it spent,
// might have spent and has in flight past the budget (--max-cost). No new
// image is submitted; the ones in flight finish.
type BudgetError struct {
	Max, Spent, InFlight, Next float64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("the budget of $%.3f (--max-cost) is reached: $%.3f spent or possibly billed and $%.3f in flight, and the next image would cost $%.3f; no new image is submitted",
		e.Max, e.Spent, e.InFlight, e.Next)
}

// reserve admits a billable request of cost, or says the budget would be
// passed.
func (s *spend) reserve(cost float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max != nil && s.spent+s.possiblyBilled+s.inFlight+cost > *s.max+1e-9 {
		return &BudgetError{Max: *s.max, Spent: s.spent + s.possiblyBilled, InFlight: s.inFlight, Next: cost}
	}
	s.inFlight += cost
	return nil
}

// done settles a reservation whose images came; charged is what the
// provider said it charged (0: it did not say, the reservation stands).
func (s *spend) done(reserved, charged float64) float64 {
	if charged <= 0 {
		charged = reserved
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight -= reserved
	s.spent += charged
	return charged
}

// billed settles a reservation of a request that may have been billed
// without a usable answer.
func (s *spend) billed(reserved float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight -= reserved
	s.possiblyBilled += reserved
}

// release settles a reservation of a request the API did not process.
func (s *spend) release(reserved float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight -= reserved
}

// totals returns what was spent and possibly billed.
func (s *spend) totals() (spent, possiblyBilled float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spent, s.possiblyBilled
}

// requestCost is what a request costs at its model's published price.
func requestCost(req model.Request) float64 {
	return float64(req.Samples()) * req.Schema().PriceUSD
}
