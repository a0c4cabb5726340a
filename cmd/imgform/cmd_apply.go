package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/derive"
	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/segmind"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

type applyOptions struct {
	engineFlags
}

func (o *applyOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking (needed when not on a terminal, e.g. in CI)")
	fs.IntVar(&o.parallelism, "parallelism", 4, "work on up to `N` images at once; the API concurrency adapts below it on 429")
	o.planning.AddFlags(fs)
	o.limits.AddFlags(fs)
	fs.BoolVar(&o.sync, "sync", false, "use the v1 sync endpoint instead of v2 submit-and-poll (for endpoints without v2)")
	fs.BoolVar(&o.json, "json", false, "print one JSON event per line (planned, started, cache-hit, submitted, finished, failed, summary)")
	o.lock.AddFlags(fs, false)
}

func applyCommand() *command {
	var o applyOptions
	return &command{
		Name:  "apply",
		Args:  "[PLANFILE]",
		Short: "Generate exactly what the plan says",
		Long: `Make the images on disk match the configuration: compute the plan (or
read one saved with plan --out, refused when the state or configuration
changed since), show it, ask for confirmation on a terminal, and execute
it. Images come from the content cache when it has them, from a job an
interrupted run submitted, or from the API; --offline makes placeholders
instead (no key, no network).

The first Ctrl-C stops starting new images, lets the ones in flight finish
and saves the state (exit 130); a second one stops at once, and the jobs
in flight are resumed by the next apply. Failures of single images (a
rejected prompt) fail only those; a wrong key or no credits stop the run.`,
		Flags:    o.AddFlags,
		NArgs:    cli.AtMost(1),
		Graceful: true,
		Run: func(ctx context.Context, e *env, args []string) error {
			return runApply(ctx, e, o, args)
		},
	}
}

func runApply(ctx context.Context, e *env, o applyOptions, args []string) error {
	if err := o.check("apply", len(args) == 1, len(args) == 1); err != nil {
		return err
	}
	r, done, err := prepareRun(ctx, e, o.engineFlags, args, "apply")
	if err != nil {
		return err
	}
	defer done()
	if err := checkKeyFor(r.p, r.client); err != nil {
		return err
	}
	if err := r.lim.CheckBudget(r.p); err != nil {
		return err
	}
	if !r.p.HasChanges() && len(r.p.Refresh) == 0 && len(r.p.Committed) == 0 && r.p.PendingUploads == 0 {
		if collect, err := announceCollection(ctx, e, o, r.w, r.client, r.p); err != nil || !collect {
			return err
		}
	}
	if r.p.HasChanges() && !r.saved && !o.autoApprove {
		if err := confirm(e, "apply"); err != nil {
			return err
		}
	}
	return r.execute(ctx, e, o.engineFlags, planview.KindApply, nil)
}

// checkKeyFor refuses a plan that needs the API when no usable key is
// configured, before anything is done.
func checkKeyFor(p *plan.Plan, client *segmind.Client) error {
	if !p.NeedsAPI() {
		return nil
	}
	if !client.HasKey() {
		what := fmt.Sprintf("generates %d %s", p.Summary.Generate, planview.Plural(p.Summary.Generate, "image", "images"))
		if p.Summary.Generate == 0 {
			what = "collects images an earlier run paid for"
		}
		return fmt.Errorf("this plan %s through the API, which needs a key: set %s (or run imgform apply --offline for placeholders)", what, segmind.EnvAPIKey)
	}
	return client.KeyError()
}

// announceCollection decides what a plan with nothing to do still does:
// jobs an earlier run submitted are collected whatever this run was
// asked, since they are paid for and a later change back to their
// request should cost nothing. Without a key they are only mentioned.
func announceCollection(ctx context.Context, e *env, o applyOptions, w *workspace.Workspace, client *segmind.Client, p *plan.Plan) (bool, error) {
	n, err := apply.Collectable(ctx, w.Backend.Jobs(), client.BaseURL(), p, time.Now())
	if err != nil || n == 0 {
		return false, err
	}
	jobs := planview.Plural(n, "job", "jobs")
	if !client.HasKey() || client.KeyError() != nil {
		fmt.Fprintf(e.stderr, "%d %s that an earlier run submitted (and paid for) %s still journaled; set %s to collect %s images into the cache.\n", n, jobs, planview.Plural(n, "is", "are"), segmind.EnvAPIKey, planview.Plural(n, "its", "their"))
		return false, nil
	}
	if !o.json {
		fmt.Fprintf(e.stdout, "\n%d %s that an earlier run submitted (and paid for) %s still journaled: collecting %s images into the cache.\n", n, jobs, planview.Plural(n, "is", "are"), planview.Plural(n, "its", "their"))
	}
	return true, nil
}

// preparing is the context of what a run does before its work starts
// (waiting for the lock, planning, asking): the first interrupt ends it
// at once, as there is nothing to finish yet.
func preparing(ctx context.Context, e *env) (context.Context, context.CancelFunc) {
	prepCtx, stop := context.WithCancel(ctx)
	go func() {
		select {
		case <-e.interrupts.First:
			stop()
		case <-prepCtx.Done():
		}
	}()
	return prepCtx, stop
}

// runEngine runs the plan with the engine (apply, or preview), showing
// its progress in view, and turns failed images into the exit code. The
// first Ctrl-C is answered at once; the engine finishes what is in
// flight.
func runEngine(ctx context.Context, e *env, w *workspace.Workspace, p *plan.Plan, view planview.RunView, opts apply.Options) error {
	runDone := make(chan struct{})
	go func() {
		select {
		case <-e.interrupts.First:
			view.Interrupted()
		case <-runDone:
		}
	}()
	summary, err := apply.Run(ctx, p, w.Backend, w.State, opts)
	close(runDone)
	view.Summary(summary, err)
	switch {
	case err != nil:
		return err
	case len(summary.Failed) > 0:
		return withExitCode(exitError, nil)
	}
	return nil
}

// engineOptions are the options of the apply engine for running p from
// the command line, with the API client, the workspace's cache, the view
// and the spend limits; preview adds its page.
func engineOptions(e *env, p *plan.Plan, w *workspace.Workspace, client *segmind.Client, view planview.RunView, parallelism int, sync bool, lim plan.Limits) apply.Options {
	return apply.Options{
		Log:           e.logger(),
		Dir:           ".",
		Parallelism:   parallelism,
		Sync:          sync,
		Offline:       p.Offline,
		Generator:     generatorOf(client),
		Renderer:      placeholder.Generator{Maker: placeholder.Offline},
		Cache:         w.Cache,
		Events:        view,
		Interrupt:     e.interrupts.First,
		Lock:          w.Lock,
		SharedState:   w.Settings.Backend != nil,
		RatePerMinute: lim.RatePerMinute,
		MaxCostUSD:    lim.MaxCost,
		Decode:        decodeVariantSource,
	}
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

// generatorOf is the client as the engine's generator: none without a key
// (a run that then needs the API stops, saying so).
func generatorOf(client *segmind.Client) generate.Generator {
	if !client.HasKey() {
		return nil
	}
	return client
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

// confirm asks on a terminal; elsewhere --auto-approve is required.
func confirm(e *env, command string) error {
	if !cli.IsTerminal(e.stdin) {
		return fmt.Errorf("%s needs approval: run it on a terminal to be asked, or pass --auto-approve (as CI must)", command)
	}
	return ask(e, "Do you want to perform these actions?", command)
}

// ask asks question on the terminal, and takes only "yes" for an answer:
// anything else cancels the command.
func ask(e *env, question, command string) error {
	yes, err := askYes(e, question, command)
	if err != nil {
		return err
	}
	if !yes {
		return fmt.Errorf("%s cancelled: only 'yes' is accepted as approval", command)
	}
	return nil
}

// askYes asks a question on the terminal and reports whether the answer
// was "yes". Ctrl-C at the prompt ends the command (exit 130).
func askYes(e *env, question, command string) (bool, error) {
	yes, err := cli.AskYes(e.stdin, e.stdout, e.interrupts.First, question)
	if errors.Is(err, cli.ErrPromptInterrupted) {
		return false, withExitCode(exitInterrupted, fmt.Errorf("%s cancelled at the prompt: nothing was done", command))
	}
	return yes, err
}
