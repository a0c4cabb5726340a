package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/review"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
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
		Name:  "preview",
		Args:  "[PLANFILE]",
		Short: "Generate the plan's new images for review, and write a page to compare them",
		Long: `Generate every image the plan would pay for into the content cache only
(the local one, and the team's shared cache when the configuration names
one): no output file and no state entry changes. Then write a review page,
DIR/index.html, comparing each change's images before and after (side by
side, with a slider, or toggled), with the images beside it: it works from
file:// and as a CI artifact.

A later imgform apply of the same configuration restores every previewed
image from the cache, and pays nothing for it. Confirmation, the journal,
retries, Ctrl-C and --json work as in apply. With --from-cache, or given a
plan file saved with plan --out, nothing is generated: the page shows what
the cache already holds, and "not generated yet" for the rest.

An image with candidates = N and no pick is generated N times, once per
candidate (each paid for, and counted against --max-cost), and the page
shows them as a grid, each with its seed and the imgform pick command that
keeps it. With --serve the page is then served on 127.0.0.1 (a token in
its address; nothing else on the machine can use it), with a button per
candidate that records the pick as imgform pick does; Ctrl-C stops it.
The state's lock is let go before the page is served.

With --publish (or publish = true in the cache "s3" block), the page and
its images are then put in the team cache's bucket, under
PREFIX/reviews/ID/ (ID: pr-N or mr-N on a pull or merge request,
branch-NAME-HASH on a branch, random elsewhere), and imgform prints a URL
that opens with no credentials: presigned for --review-expiry (at most 7
days), or under the block's review_url. A pull request from a fork does
not publish. imgform review list and prune manage the published pages.`,
		Flags:    o.AddFlags,
		NArgs:    cli.AtMost(1),
		Graceful: true,
		Run: func(ctx context.Context, e *env, args []string) error {
			return runPreview(ctx, e, o, args)
		},
	}
}

func runPreview(ctx context.Context, e *env, o previewOptions, args []string) error {
	savedPlan := len(args) == 1
	onlyCache := o.fromCache || savedPlan
	if err := o.check("preview", savedPlan, onlyCache); err != nil {
		return err
	}
	if o.serve && !review.Loopback(o.addr) {
		return &cli.UsageError{Msg: fmt.Sprintf("--addr %s is not a loopback address: the review page is served to this machine only (127.0.0.1:PORT)", o.addr), Path: "preview"}
	}
	r, done, err := prepareRun(ctx, e, o.engineFlags, args, "preview")
	if err != nil {
		return err
	}
	defer done()
	publish, err := publishSettings(o, r.w.Settings)
	if err != nil {
		return err
	}
	// Every candidate of an image without a pick is generated: the run
	// is of one change per candidate, each paid for and capped.
	run := *r
	run.p = plan.WithCandidates(r.p)
	if !onlyCache {
		if err := r.lim.CheckBudget(run.p); err != nil {
			return err
		}
	}
	page, err := review.New(o.out)
	if err != nil {
		return err
	}
	runErr := error(nil)
	if onlyCache {
		if err := page.AfterFromCache(ctx, r.w.Cache, r.p); err != nil {
			return err
		}
	} else if runErr = generatePreview(ctx, e, o, &run, page); runErr != nil && !isRunFailure(runErr) {
		return runErr
	}
	if err := page.BeforeFromDisk(ctx, ".", r.w.Cache, r.p); err != nil {
		return err
	}
	info := review.Info{Commit: r.w.Commit(), Made: time.Now(), Previewed: !onlyCache, Serve: o.serve}
	path, err := page.Write(r.p, info)
	if err != nil {
		return err
	}
	if !o.json {
		fmt.Fprintf(e.stdout, "\nThe review page is %s\n", path)
	}
	done() // nobody waits on this checkout's lock while the page is published or served
	if err := publishReview(ctx, e, o, publish, r.w, page, r.p, info, path); err != nil {
		return err
	}
	if !o.serve || runErr != nil {
		return runErr
	}
	return servePage(ctx, e, o, r)
}

// servePage serves the review page on loopback until the first Ctrl-C,
// recording the picks made on it as imgform pick does.
func servePage(ctx context.Context, e *env, o previewOptions, r *engineRun) error {
	token, err := review.NewToken()
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("serving the review page: %w", err)
	}
	cfg := r.w.Config
	if cfg == nil { // a saved plan's preview: the configuration was not read
		if cfg, err = loadConfig(ctx, e); err != nil {
			return err
		}
	}
	var mu sync.Mutex
	pick := func(addr string, k int) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		return spec.RecordPick(cfg, ".", addr, k, nil, false)
	}
	fmt.Fprintf(e.stdout, "Serving the review page at http://%s/%s?token=%s (Ctrl-C to stop)\n", l.Addr(), review.IndexName, token)
	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-e.interrupts.First:
			stop()
		case <-serveCtx.Done():
		}
	}()
	if err := review.Serve(serveCtx, l, o.out, token, pick); err != nil {
		return fmt.Errorf("serving the review page: %w", err)
	}
	fmt.Fprintln(e.stdout, "Stopped serving the review page.")
	return nil
}

// generatePreview pays for the plan's images (after asking), into the
// cache, and hands each to the page.
func generatePreview(ctx context.Context, e *env, o previewOptions, r *engineRun, page *review.Page) error {
	if err := checkKeyFor(r.p, r.client); err != nil {
		return err
	}
	if r.p.NeedsAPI() && !o.autoApprove {
		if err := confirm(e, "preview"); err != nil {
			return err
		}
	}
	return r.execute(ctx, e, o.engineFlags, planview.KindPreview, page.After)
}

// isRunFailure is an error after which the page is still worth writing:
// some images failed, or the run was stopped; what was made is shown.
func isRunFailure(err error) bool {
	var code *exitCodeError
	var fatal *apply.FatalError
	return errors.As(err, &code) || errors.As(err, &fatal) || errors.Is(err, apply.ErrInterrupted)
}
