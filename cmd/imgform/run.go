package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/segmind"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

// engineFlags are the flags of the commands that run the engine: apply
// and preview. Each names them in its own words (AddFlags).
type engineFlags struct {
	planning    planningOptions
	limits      limitOptions
	lock        lockOptions
	autoApprove bool
	parallelism int
	sync        bool
	json        bool
}

// check refuses flags that do not go together. paysNothing says that the
// run pays for nothing, so needs no approval (a saved plan, which was
// approved when it was saved; preview --from-cache).
func (o engineFlags) check(command string, savedPlan, paysNothing bool) error {
	switch {
	case o.parallelism < 1:
		return &cli.UsageError{Msg: "--parallelism must be 1 or more", Path: command}
	case o.json && !o.autoApprove && !paysNothing:
		return &cli.UsageError{Msg: command + " --json needs --auto-approve (or a saved plan): a stream of events has no plan to read and approve", Path: command}
	case savedPlan && (len(o.planning.targets) > 0 || len(o.planning.replace) > 0 || o.planning.offline || o.planning.verify || o.planning.overwriteNewer):
		return &cli.UsageError{Msg: "a saved plan is carried out as it was made: --target, --replace, --offline, --verify and --overwrite-newer belong to imgform plan", Path: command}
	}
	return nil
}

// engineRun is a run of the engine set up: its workspace (locked), its
// limits, the API client, and the plan it carries out.
type engineRun struct {
	w      *workspace.Workspace
	lim    plan.Limits
	client *segmind.Client
	p      *plan.Plan
	saved  bool // the plan was saved by plan --out
}

// prepareRun sets up a run of apply or preview (command): it takes the
// lock, reads the workspace (not the configuration, for a saved plan:
// that is only checked unchanged), refuses limits that cannot be read,
// builds the client, prepares the plan (a saved one is refused when it
// is stale) and shows it, unless --json. Until it returns, the first
// Ctrl-C stops it at once: there is nothing to finish yet. close lets go
// of the workspace.
func prepareRun(ctx context.Context, e *env, o engineFlags, args []string, command string) (_ *engineRun, close func(), err error) {
	r := &engineRun{saved: len(args) == 1}
	prepCtx, stopPrep := preparing(ctx, e)
	defer stopPrep()
	if r.w, err = workspace.Open(prepCtx, e.wiring(), workspace.Need{Config: !r.saved, Cache: true, Operation: command, NoLock: !o.lock.lock, LockTimeout: o.lock.timeout}); err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			r.w.Close()
		}
	}()
	if r.lim, err = resolveLimits(e, o.limits, r.w.Settings); err != nil {
		return nil, nil, err
	}
	if r.client, err = newClient(e, r.w.State.InferenceTimes()); err != nil {
		return nil, nil, err
	}
	savedPlan := ""
	if r.saved {
		savedPlan = args[0]
	}
	if r.p, err = preparePlan(prepCtx, r.w, o.planning, savedPlan, r.client.BaseURL()); err != nil {
		return nil, nil, err
	}
	if !o.json {
		if err := writePlan(e, r.p, false, false, r.lim.RatePerMinute); err != nil {
			return nil, nil, err
		}
	}
	if command == "apply" {
		if err := r.p.CheckedHistory(); err != nil {
			return nil, nil, err
		}
		warnUncommitted(e, r.p)
	}
	return r, r.w.Close, nil
}

// warnUncommitted says, in one line, that an apply to a shared state
// records changes not committed: teammates leave those images alone
// until the changes are pushed.
func warnUncommitted(e *env, p *plan.Plan) {
	u := p.Uncommitted
	if u == nil {
		return
	}
	for _, c := range p.Changes {
		if c.Uncommitted == u { // recorded by this apply, not carried from an entry
			files := slices.Sorted(maps.Keys(u.Files))
			fmt.Fprintf(e.stderr, "Warning: applying changes that are not committed (%s): teammates' checkouts leave the images made from them alone until you commit, push and plan or apply again.\n", strings.Join(files, ", "))
			return
		}
	}
}

// execute runs the plan with the engine, showing its progress as kind's.
// preview, when set, makes the run a preview.
func (r *engineRun) execute(ctx context.Context, e *env, o engineFlags, kind planview.RunKind, preview func(*plan.Change, []model.Image) error) error {
	view := newRunView(e, o.json, len(r.p.Changes), kind)
	opts := engineOptions(e, r.p, r.w, r.client, view, o.parallelism, o.sync, r.lim)
	opts.Preview = preview
	return runEngine(ctx, e, r.w, r.p, view, opts)
}
