package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/review"
)

type previewOptions struct {
	engineFlags
	out       string
	fromCache bool
}

func (o *previewOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.out, "out", "imgform-review", "write the review page into `DIR`")
	fs.BoolVar(&o.autoApprove, "auto-approve", false, "pay for the previewed images without asking (needed when not on a terminal, e.g. in CI)")
	fs.IntVar(&o.parallelism, "parallelism", 4, "work on up to `N` images at once")
	fs.BoolVar(&o.sync, "sync", false, "use the v1 sync endpoint instead of v2 submit-and-poll")
	fs.BoolVar(&o.json, "json", false, "print one JSON event per line, as apply --json")
	fs.BoolVar(&o.fromCache, "from-cache", false, "generate nothing: show what the cache already holds")
	o.planning.AddFlags(fs)
	o.limits.AddFlags(fs)
	o.lock.AddFlags(fs, false)
}

func previewCommand() *command {
	var o previewOptions
	return &command{
		name:  "preview",
		args:  "[PLANFILE]",
		short: "Generate the plan's new images for review, and write a page to compare them",
		long: `Generate every image the plan would pay for into the content cache only
(the local one, and the team's shared cache when the configuration names
one): no output file and no state entry changes. Then write a review page,
DIR/index.html, comparing each change's images before and after (side by
side, with a slider, or toggled), with the images beside it: it works from
file:// and as a CI artifact.

A later imgform apply of the same configuration restores every previewed
image from the cache, and pays nothing for it. Confirmation, the journal,
retries, Ctrl-C and --json work as in apply. With --from-cache, or given a
plan file saved with plan --out, nothing is generated: the page shows what
the cache already holds, and "not generated yet" for the rest.`,
		flags:    o.AddFlags,
		nargs:    atMost(1),
		graceful: true,
		run: func(ctx context.Context, e *env, args []string) error {
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
	r, done, err := prepareRun(ctx, e, o.engineFlags, args, "preview")
	if err != nil {
		return err
	}
	defer done()
	if !onlyCache {
		if err := r.lim.checkBudget(r.p); err != nil {
			return err
		}
	}
	page, err := review.New(o.out)
	if err != nil {
		return err
	}
	runErr := error(nil)
	if onlyCache {
		if err := page.AfterFromCache(ctx, r.w.cache, r.p); err != nil {
			return err
		}
	} else if runErr = generatePreview(ctx, e, o, r, page); runErr != nil && !isRunFailure(runErr) {
		return runErr
	}
	if err := page.BeforeFromDisk(ctx, ".", r.w.cache, r.p); err != nil {
		return err
	}
	path, err := page.Write(r.p, review.Info{Commit: gitCommit(), Made: time.Now(), Previewed: !onlyCache})
	if err != nil {
		return err
	}
	if !o.json {
		fmt.Fprintf(e.stdout, "\nThe review page is %s\n", path)
	}
	return runErr
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
	return r.execute(ctx, e, o.engineFlags, kindPreview, page.After)
}

// isRunFailure is an error after which the page is still worth writing:
// some images failed, or the run was stopped; what was made is shown.
func isRunFailure(err error) bool {
	var code *exitCodeError
	var fatal *apply.FatalError
	return errors.As(err, &code) || errors.As(err, &fatal) || errors.Is(err, apply.ErrInterrupted)
}

// gitCommit is the configuration's commit, when it is in git.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
