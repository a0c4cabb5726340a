package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/review"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

type previewOptions struct {
	engineFlags
	out       string
	fromCache bool
	serve     bool
	addr      string
	// publish, reviewExpiry and markdown: see publishReview.
	publish      bool
	reviewExpiry string
	markdown     string
	flags        *pflag.FlagSet
}

func (o *previewOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.out, "out", defaultReviewDir, "write the review page into `DIR`")
	fs.BoolVar(&o.autoApprove, "auto-approve", false, "pay for the previewed images without asking (needed when not on a terminal, e.g. in CI)")
	fs.IntVar(&o.parallelism, "parallelism", 4, "work on up to `N` images at once")
	fs.BoolVar(&o.sync, "sync", false, "use the v1 sync endpoint instead of v2 submit-and-poll")
	fs.BoolVar(&o.json, "json", false, "print one JSON event per line, as apply --json")
	fs.BoolVar(&o.fromCache, "from-cache", false, "generate nothing: show what the cache already holds")
	fs.BoolVar(&o.serve, "serve", false, "then serve the review page on loopback, with a button per candidate that records the pick, until Ctrl-C")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "with --serve, the loopback `HOST:PORT` to serve on (port 0: any free one)")
	fs.BoolVar(&o.publish, "publish", false, "then put the review page in the team cache's bucket and print its URL (default: the cache block's publish)")
	fs.StringVar(&o.reviewExpiry, "review-expiry", "", "with --publish, how long the presigned links work, at most `7d` (default: the cache block's review_expiry, else 7d)")
	fs.StringVar(&o.markdown, "markdown", "", "with --publish, write the pull-request comment's part about the page (its link, the changed images under a public review_url, or why it was not published) to `FILE`")
	o.flags = fs
	o.planning.AddFlags(fs)
	o.limits.AddFlags(fs)
	o.lock.AddFlags(fs, false)
}

// defaultReviewDir is where preview writes the review page unless --out
// says otherwise; init adds it to .gitignore.
const defaultReviewDir = "imgform-review"

func previewCommand() *command {
	var o previewOptions
	return &command{
		Name:     "preview",
		Args:     "[PLANFILE]",
		Short:    "Generate the plan's new images for review, and write a page to compare them",
		Long:     planview.CommandHelp("preview"),
		Flags:    o.AddFlags,
		NArgs:    cli.AtMost(1),
		Graceful: true,
		Run:      o.run,
	}
}

func (o *previewOptions) run(ctx context.Context, e *env, args []string) error {
	savedPlan := len(args) == 1
	onlyCache := o.fromCache || savedPlan
	if err := o.check("preview", savedPlan, onlyCache); err != nil {
		return err
	}
	if o.serve && !review.Loopback(o.addr) {
		return &cli.UsageError{Msg: fmt.Sprintf("--addr %s is not a loopback address: the review page is served to this machine only (127.0.0.1:PORT)", o.addr), Path: "preview"}
	}
	r, err := prepareRun(ctx, e, o.engineFlags, args, "preview")
	if err != nil {
		return err
	}
	defer r.Close()
	publish, err := publishSettings(*o, r.W.Settings)
	if err != nil {
		return err
	}
	// Every candidate of an image without a pick is generated: the run
	// is of one change per candidate, each paid for and capped.
	all := plan.WithCandidates(r.Plan)
	if !onlyCache {
		if err := r.Limits.CheckBudget(all); err != nil {
			return err
		}
	}
	page, err := review.New(o.out)
	if err != nil {
		return err
	}
	runErr := error(nil)
	if onlyCache {
		if err := page.AfterFromCache(ctx, r.W.Cache, r.Plan); err != nil {
			return err
		}
	} else if runErr = generatePreview(ctx, e, *o, r, all, page); runErr != nil && !isRunFailure(runErr) {
		return runErr
	}
	if err := page.BeforeFromDisk(ctx, ".", r.W.Cache, r.Plan); err != nil {
		return err
	}
	info := review.Info{Commit: r.W.Commit(), Made: time.Now(), Previewed: !onlyCache, Serve: o.serve}
	path, err := page.Write(r.Plan, info)
	if err != nil {
		return err
	}
	if !o.json {
		fmt.Fprintf(e.stdout, "\nThe review page is %s\n", path)
	}
	r.Close() // nobody waits on this checkout's lock while the page is published or served
	if err := publishReview(ctx, e, *o, publish, r.W, page, r.Plan, info, path); err != nil {
		return err
	}
	if !o.serve || runErr != nil {
		return runErr
	}
	return servePage(ctx, e, *o, r)
}

// servePage serves the review page on loopback until the first Ctrl-C,
// recording the picks made on it as imgform pick does.
func servePage(ctx context.Context, e *env, o previewOptions, r *workspace.Run) error {
	cfg := r.W.Config
	if cfg == nil { // a saved plan's preview: the configuration was not read
		var err error
		if cfg, err = loadConfig(ctx, e); err != nil {
			return err
		}
	}
	pick := func(addr string, k int) (string, error) { return spec.RecordPick(cfg, ".", addr, k, nil, false) }
	if err := review.ServeOnLoopback(ctx, o.addr, o.out, e.interrupts.First, pick, func(url string) {
		fmt.Fprintf(e.stdout, "Serving the review page at %s (Ctrl-C to stop)\n", url)
	}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Stopped serving the review page.")
	return nil
}

// generatePreview pays for the images of p, the run's plan with every
// candidate (after asking), into the cache, and hands each to the page.
func generatePreview(ctx context.Context, e *env, o previewOptions, r *workspace.Run, p *plan.Plan, page *review.Page) error {
	if err := r.CheckKey(p, segmind.EnvAPIKey); err != nil {
		return err
	}
	if p.NeedsAPI() && !o.autoApprove {
		if err := confirm(e, "preview"); err != nil {
			return err
		}
	}
	return execute(ctx, e, r, p, o.engineFlags, planview.KindPreview, page.After)
}

// isRunFailure is an error after which the page is still worth writing:
// some images failed, or the run was stopped; what was made is shown.
func isRunFailure(err error) bool {
	var code *cli.ExitError
	var fatal *apply.FatalError
	return errors.As(err, &code) || errors.As(err, &fatal) || errors.Is(err, apply.ErrInterrupted)
}
