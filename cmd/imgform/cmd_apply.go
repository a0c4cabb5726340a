package main

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/derive"
	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/state"
	planview "github.com/imgform/imgform/internal/view"
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
		name:  "apply",
		args:  "[PLANFILE]",
		short: "Generate exactly what the plan says",
		long: `Make the images on disk match the configuration: compute the plan (or
read one saved with plan --out, refused when the state or configuration
changed since), show it, ask for confirmation on a terminal, and execute
it. Images come from the content cache when it has them, from a job an
interrupted run submitted, or from the API; --offline makes placeholders
instead (no key, no network).

The first Ctrl-C stops starting new images, lets the ones in flight finish
and saves the state (exit 130); a second one stops at once, and the jobs
in flight are resumed by the next apply. Failures of single images (a
rejected prompt) fail only those; a wrong key or no credits stop the run.`,
		flags:    o.AddFlags,
		nargs:    atMost(1),
		graceful: true,
		run: func(ctx context.Context, e *env, args []string) error {
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
	if err := r.lim.checkBudget(r.p); err != nil {
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
		what := fmt.Sprintf("generates %d %s", p.Summary.Generate, pluralWord(p.Summary.Generate, "image", "images"))
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
func announceCollection(ctx context.Context, e *env, o applyOptions, w *workspace, client *segmind.Client, p *plan.Plan) (bool, error) {
	n, err := collectable(ctx, w.backend.Jobs(), client, p)
	if err != nil || n == 0 {
		return false, err
	}
	jobs := pluralWord(n, "job", "jobs")
	if !client.HasKey() || client.KeyError() != nil {
		fmt.Fprintf(e.stderr, "%d %s that an earlier run submitted (and paid for) %s still journaled; set %s to collect %s images into the cache.\n", n, jobs, pluralWord(n, "is", "are"), segmind.EnvAPIKey, pluralWord(n, "its", "their"))
		return false, nil
	}
	if !o.json {
		fmt.Fprintf(e.stdout, "\n%d %s that an earlier run submitted (and paid for) %s still journaled: collecting %s images into the cache.\n", n, jobs, pluralWord(n, "is", "are"), pluralWord(n, "its", "their"))
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
		case <-e.interrupts.first:
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
func runEngine(ctx context.Context, e *env, w *workspace, p *plan.Plan, view planview.RunView, opts apply.Options) error {
	runDone := make(chan struct{})
	go func() {
		select {
		case <-e.interrupts.first:
			view.Interrupted()
		case <-runDone:
		}
	}()
	summary, err := apply.Run(ctx, p, w.backend, w.st, opts)
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
func engineOptions(e *env, p *plan.Plan, w *workspace, client *segmind.Client, view planview.RunView, parallelism int, sync bool, lim limits) apply.Options {
	// The codecs' compiled code is kept in the cache folder (not an entry:
	// the cache lists two-letter folders), for the next run.
	derive.UseCompilationCache(filepath.Join(cacheDir(e), "wazero"))
	return apply.Options{
		Log:         e.logger(),
		Dir:         ".",
		Parallelism: parallelism,
		Sync:        sync,
		Offline:     p.Offline,
		Generator:   generatorOf(client),
		Renderer:    placeholder.Generator{Maker: placeholder.Offline},
		Cache:       w.cache,
		Events:      view,
		Interrupt:   e.interrupts.first,
		Lock:        w.lock,
		// A shared state without a shared cache: a finished job is the
		// only way another runner gets its images for free.
		KeepFinishedJobs: w.settings.Backend != nil && len(w.cache.Stores()) < 2,
		RatePerMinute:    lim.ratePerMinute,
		MaxCostUSD:       lim.maxCost,
		Decode:           decodeVariantSource,
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

// recordedInferenceTimes returns the server's inference times the state
// recorded, most recent last (by output mtime), at most 32.
func recordedInferenceTimes(st *state.State) []float64 {
	type rec struct {
		t    float64
		when time.Time
	}
	var recs []rec
	for _, e := range st.Images {
		if e.Generator != state.GeneratorAPI {
			continue
		}
		for _, o := range e.Outputs {
			if o.InferenceTime > 0 {
				recs = append(recs, rec{o.InferenceTime, o.ModTime})
				break // one per request: the samples share it
			}
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].when.Before(recs[j].when) })
	if len(recs) > 32 {
		recs = recs[len(recs)-32:]
	}
	out := make([]float64, len(recs))
	for i, r := range recs {
		out[i] = r.t
	}
	return out
}

// collectable counts the journaled jobs of this endpoint an apply of p
// collects: none offline.
func collectable(ctx context.Context, journal state.Journal, client *segmind.Client, p *plan.Plan) (int, error) {
	if p.Offline {
		return 0, nil
	}
	resumable, err := apply.ResumableJobs(ctx, journal, client.BaseURL(), time.Now())
	if err != nil {
		return 0, err
	}
	return resumable.Count(), nil
}

// confirm asks on a terminal; elsewhere --auto-approve is required.
func confirm(e *env, command string) error {
	if !isTerminal(e.stdin) {
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
	fmt.Fprintf(e.stdout, "\n%s Only 'yes' will be accepted\n  Enter a value: ", question)
	answers := make(chan string, 1)
	go func() {
		answer, _ := bufio.NewReader(e.stdin).ReadString('\n')
		answers <- answer
	}()
	select {
	case answer := <-answers:
		fmt.Fprintln(e.stdout)
		return strings.TrimSpace(answer) == "yes", nil
	case <-e.interrupts.first:
		// Ctrl-C at the prompt: nothing was done.
		fmt.Fprintln(e.stdout)
		return false, withExitCode(exitInterrupted, fmt.Errorf("%s cancelled at the prompt: nothing was done", command))
	}
}
