package workspace

import (
	"context"
	"fmt"
	"time"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/spec"
)

// API is the generation service as a run of the engine uses it: built
// even without a key, since a run whose images all come from the cache
// needs none.
type API interface {
	generate.Generator
	// BaseURL is the endpoint's canonical form, which jobs are
	// journaled under.
	BaseURL() string
	HasKey() bool
	// KeyError says what is wrong with the key set, if anything.
	KeyError() error
}

// RunOptions say how a run of the engine (apply, preview) is prepared.
type RunOptions struct {
	Command   string // apply or preview: the lock holder's record
	SavedPlan string // a plan saved by plan --out; "" plans now
	Planning  apply.Planning
	// Targets and Replace are the addresses --target and --replace give,
	// read once the workspace is open, into Planning.
	Targets, Replace []string
	LockTimeout      time.Duration
	Limits           plan.LimitSources
	// API builds the client, told the inference times the state
	// recorded (when to poll first).
	API func(inferenceTimes []float64) (API, error)
	// Show shows the plan prepared; nil shows nothing (--json).
	Show func(*plan.Plan, plan.Limits) error
	// Interrupt is closed at the first Ctrl-C: preparing stops at once,
	// as there is nothing to finish yet.
	Interrupt <-chan struct{}
}

// Run is a run of the engine set up: its workspace (locked), its
// limits, the API, and the plan it carries out.
type Run struct {
	W      *Workspace
	Limits plan.Limits
	API    API
	Plan   *plan.Plan
	Saved  bool // the plan was saved by plan --out
}

// PrepareRun sets up a run: it takes the lock, reads the workspace (not
// the configuration, for a saved plan: that is only checked unchanged),
// refuses limits that cannot be read, builds the client, prepares the
// plan (a saved one is refused when it is stale) and shows it. Close
// lets go of the workspace.
func PrepareRun(ctx context.Context, wr Wiring, o RunOptions) (_ *Run, err error) {
	r := &Run{Saved: o.SavedPlan != ""}
	prepCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-o.Interrupt:
			stop()
		case <-prepCtx.Done():
		}
	}()
	if r.W, err = Open(prepCtx, wr, Need{Config: !r.Saved, Cache: true, Operation: o.Command, LockTimeout: o.LockTimeout}); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.W.Close()
		}
	}()
	if r.Limits, err = plan.ResolveLimits(o.Limits, r.W.Settings); err != nil {
		return nil, err
	}
	if r.API, err = o.API(r.W.State.InferenceTimes()); err != nil {
		return nil, err
	}
	if o.Planning.Targets, err = ParseAddresses("target", o.Targets); err != nil {
		return nil, err
	}
	if o.Planning.Replace, err = ParseAddresses("replace", o.Replace); err != nil {
		return nil, err
	}
	if r.Plan, err = r.W.Plan(prepCtx, o.Planning, o.SavedPlan, r.API.BaseURL()); err != nil {
		return nil, err
	}
	if o.Show != nil {
		if err := o.Show(r.Plan, r.Limits); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Close lets go of the run's workspace.
func (r *Run) Close() { r.W.Close() }

// CheckKey refuses a plan that needs the API when no usable key is set
// (in the variable keyVar), before anything is done.
func (r *Run) CheckKey(p *plan.Plan, keyVar string) error {
	if !p.NeedsAPI() {
		return nil
	}
	if !r.API.HasKey() {
		what := fmt.Sprintf("generates %d %s", p.Summary.Generate, plural(p.Summary.Generate, "image", "images"))
		if p.Summary.Generate == 0 {
			what = "collects images an earlier run paid for"
		}
		return fmt.Errorf("this plan %s through the API, which needs a key: set %s (or run imgform apply --offline for placeholders)", what, keyVar)
	}
	return r.API.KeyError()
}

// Collectable counts the jobs an earlier run submitted (and paid for)
// that an apply of the run's plan collects.
func (r *Run) Collectable(ctx context.Context) (int, error) {
	return apply.Collectable(ctx, r.W.Backend.Jobs(), r.API.BaseURL(), r.Plan, time.Now())
}

// Execute runs p with the engine on the run's state, with o, the
// options the command line sets (the events' view, the interrupt, the
// placeholder renderer, the codecs, the parallelism), completed with the
// run's generator, cache, lock and limits.
func (r *Run) Execute(ctx context.Context, p *plan.Plan, o apply.Options) (*apply.Summary, error) {
	o.Dir = "."
	o.Offline = p.Offline
	if r.API.HasKey() {
		o.Generator = r.API
	}
	o.Cache = r.W.Cache
	o.Lock = r.W.Lock
	o.SharedState = r.W.sharedState()
	o.RatePerMinute = r.Limits.RatePerMinute
	o.MaxCostUSD = r.Limits.MaxCost
	return apply.Run(ctx, p, r.W.Backend, r.W.State, o)
}

// ParseAddresses reads the addresses given to the flag --flag.
func ParseAddresses(flag string, raw []string) ([]spec.Address, error) {
	out, err := spec.ParseAddresses(raw)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	return out, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
