package apply

import (
	"context"
	"errors"
	"math"
	"os"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
)

// With the rate at the account's limit, a run meets no 429; without it,
// the same run does (which shows the limit is there to meet).
func TestRateMeetsTheAccountsLimit(t *testing.T) {
	limited := quick
	limited.RPM, limited.RPMBurst = 600, 2 // ten a second, two at once
	for _, tt := range []struct {
		rate        float64
		wantLimited bool
	}{{rate: 600}, {rate: 0, wantLimited: true}} {
		w := newWorkspace(t).withEmulator(limited, "k")
		opts := w.options()
		opts.RatePerMinute = tt.rate
		opts.Parallelism = 4
		opts.Retry.ThrottleBudget = time.Minute // wait out the 429s of the run without a rate
		s := w.mustApply(tiles(8), opts)
		st := w.emu.Stats()
		if s.Created != 8 || st.Generated != 8 {
			t.Fatalf("rate %v: created %d, generated %d", tt.rate, s.Created, st.Generated)
		}
		if got := st.RateLimited > 0; got != tt.wantLimited {
			t.Errorf("rate %v/min: %d requests answered 429, want some: %v", tt.rate, st.RateLimited, tt.wantLimited)
		}
	}
}

// The budget stops submitting before a request would pass it: what ran
// is paid for and recorded, the rest is left, and nothing more is sent.
func TestBudget(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	price := model.Default.PriceUSD
	opts := w.options()
	opts.Parallelism = 1
	opts.MaxCostUSD = new(2.5 * price)
	s, err := w.apply(context.Background(), tiles(4), opts)
	var budget *BudgetError
	if !errors.As(err, &budget) {
		t.Fatalf("apply over budget: %v, want a *BudgetError", err)
	}
	if st := w.emu.Stats(); st.JobsSubmitted != 2 || st.Generated != 2 {
		t.Errorf("submitted %d, generated %d; want 2 and 2 within $%.3f", st.JobsSubmitted, st.Generated, *opts.MaxCostUSD)
	}
	if s.Created != 2 || s.NotStarted != 2 || math.Abs(s.SpentUSD-2*price) > 1e-9 {
		t.Errorf("summary %+v", s)
	}
	if len(w.recorded()) != 2 {
		t.Errorf("the state records %v", w.recorded())
	}
}

// A budget of zero allows nothing to be paid: no request is sent, and
// what costs nothing (the cache's copy) is still done.
func TestBudgetZero(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	opts := w.options()
	w.mustApply(tiles(1), opts) // in the cache from now on
	opts.MaxCostUSD = new(0.0)
	_, err := w.apply(context.Background(), tiles(2), opts)
	var budget *BudgetError
	if !errors.As(err, &budget) || budget.Max != 0 {
		t.Fatalf("apply with a budget of 0: %v, want a *BudgetError of $0", err)
	}
	if st := w.emu.Stats(); st.JobsSubmitted != 1 {
		t.Errorf("%d jobs submitted in all, want the 1 before the budget of 0", st.JobsSubmitted)
	}
}

// A request that may have been billed counts against the budget, as spent
// it may have been.
func TestBudgetCountsPossiblyBilled(t *testing.T) {
	failing := quick
	failing.FailRate, failing.FailSeed = 1, 1 // every request: a 5xx
	w := newWorkspace(t).withEmulator(failing, "k")
	price := model.Default.PriceUSD
	opts := w.options()
	opts.Parallelism = 1
	opts.MaxCostUSD = new(3 * price)
	s, err := w.apply(context.Background(), tiles(4), opts)
	var budget *BudgetError
	if !errors.As(err, &budget) {
		t.Fatalf("apply: %v, want a *BudgetError", err)
	}
	// Each image is sent twice (a 5xx may have been billed: once more, no
	// more): three requests fit the budget, the fourth does not.
	if math.Abs(s.PossiblyBilledUSD-3*price) > 1e-9 || s.PossiblyBilled != 3 || s.SpentUSD != 0 {
		t.Errorf("possibly billed %d ($%v), spent $%v; want 3 ($%v) and 0", s.PossiblyBilled, s.PossiblyBilledUSD, s.SpentUSD, 3*price)
	}
}

// The state records what each image cost, and a copy restored from the
// cache keeps the figure.
func TestStateRecordsCost(t *testing.T) {
	w := newWorkspace(t).withEmulator(quick, "k")
	images := tiles(2)
	s := w.mustApply(images, w.options())
	price := model.Default.PriceUSD
	if math.Abs(s.SpentUSD-2*price) > 1e-9 {
		t.Errorf("spent $%v, want $%v", s.SpentUSD, 2*price)
	}
	_, st := w.load()
	for addr, e := range st.Images {
		if e.CostUSD != price {
			t.Errorf("%s cost $%v, want $%v", addr, e.CostUSD, price)
		}
	}
	for _, img := range images {
		if err := removeFile(w, img.Outputs[0]); err != nil {
			t.Fatal(err)
		}
	}
	s = w.mustApply(images, w.options())
	if s.FromCache != 2 || s.SpentUSD != 0 {
		t.Errorf("restore: %+v", s)
	}
	_, st = w.load()
	for addr, e := range st.Images {
		if e.CostUSD != price {
			t.Errorf("restored %s cost $%v, want $%v", addr, e.CostUSD, price)
		}
	}
}

func removeFile(w *workspace, rel string) error { return os.Remove(w.path(rel)) }
