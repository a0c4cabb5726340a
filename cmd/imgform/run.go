package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/derive"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/placeholder"
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

// prepareRun sets up a run of apply or preview (command), as
// workspace.PrepareRun does: the plan is shown unless --json; apply
// refuses one whose history was not checked, and warns of changes not
// committed it records.
func prepareRun(ctx context.Context, e *env, o engineFlags, args []string, command string) (*workspace.Run, error) {
	ro := workspace.RunOptions{Command: command, LockTimeout: o.lock.timeout, Limits: o.limits.sources(e),
		Targets: o.planning.targets, Replace: o.planning.replace,
		Planning: apply.Planning{Offline: o.planning.offline, Verify: o.planning.verify, OverwriteNewer: o.planning.overwriteNewer},
		API: func(inferenceTimes []float64) (workspace.API, error) {
			c, err := newClient(e, inferenceTimes)
			if err != nil {
				return nil, err
			}
			return c, nil
		},
		Interrupt: e.interrupts.First,
	}
	if len(args) == 1 {
		ro.SavedPlan = args[0]
	}
	if !o.json {
		ro.Show = func(p *plan.Plan, lim plan.Limits) error { return writePlan(e, p, false, false, lim.RatePerMinute) }
	}
	r, err := workspace.PrepareRun(ctx, e.wiring(), ro)
	if err != nil || command != "apply" {
		return r, err
	}
	if err := r.Plan.CheckedHistory(); err != nil {
		r.Close()
		return nil, err
	}
	if files := r.Plan.UncommittedFiles(); len(files) > 0 {
		fmt.Fprintf(e.stderr, "Warning: applying changes that are not committed (%s): teammates' checkouts leave the images made from them alone until you commit, push and plan or apply again.\n", strings.Join(files, ", "))
	}
	return r, nil
}

// execute runs p with the engine, showing its progress as kind's, and
// turns failed images into the exit code. preview, when set, makes the
// run a preview. The first Ctrl-C is answered at once; the engine
// finishes what is in flight.
func execute(ctx context.Context, e *env, r *workspace.Run, p *plan.Plan, o engineFlags, kind planview.RunKind, preview func(*plan.Change, []model.Image) error) error {
	view := newRunView(e, o.json, len(p.Changes), kind)
	runDone := make(chan struct{})
	go func() {
		select {
		case <-e.interrupts.First:
			view.Interrupted()
		case <-runDone:
		}
	}()
	summary, err := r.Execute(ctx, p, apply.Options{Log: e.logger(), Parallelism: o.parallelism, Sync: o.sync,
		Renderer: placeholder.Generator{Maker: placeholder.Offline}, Events: view, Interrupt: e.interrupts.First,
		Decode: decodeVariantSource, Preview: preview})
	close(runDone)
	view.Summary(summary, err)
	switch {
	case err != nil:
		return err
	case len(summary.Failed) > 0:
		return cli.WithExitCode(exitError, nil)
	}
	return nil
}

// decodeVariantSource is derive.Decode as the engine's Decode: the one
// place the engine is given the codecs.
func decodeVariantSource(image []byte) (apply.VariantSource, error) {
	src, err := derive.Decode(image)
	if err != nil {
		return nil, err
	}
	return src, nil
}

// newClient builds the API client from the environment. It is built even
// without a key: a run whose images all come from the cache needs none.
// The inference times an earlier run recorded tell it when to poll first.
func newClient(e *env, inferenceTimes []float64) (*segmind.Client, error) {
	cfg := segmind.ConfigFromEnv(e.getenv)
	cfg.UserAgent = "imgform/" + versionString()
	cfg.InferenceTimes = inferenceTimes
	cfg.Log = e.logger()
	return segmind.NewClient(cfg)
}
