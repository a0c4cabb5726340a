package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/review"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/segmind"
)

type previewOptions struct {
	planning    planningOptions
	limits      limitOptions
	lock        lockOptions
	out         string
	autoApprove bool
	parallelism int
	sync        bool
	json        bool
	fromCache   bool
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
	switch {
	case o.parallelism < 1:
		return &usageError{msg: "--parallelism must be 1 or more", path: "preview"}
	case o.json && !o.autoApprove && !onlyCache:
		return &usageError{msg: "preview --json needs --auto-approve (or --from-cache): a stream of events has no plan to read and approve", path: "preview"}
	case savedPlan && (len(o.planning.targets) > 0 || len(o.planning.replace) > 0 || o.planning.offline || o.planning.verify || o.planning.overwriteNewer):
		return &usageError{msg: "a saved plan is previewed as it was made: --target, --replace, --offline, --verify and --overwrite-newer belong to imgform plan", path: "preview"}
	}
	prepCtx, stopPrep := preparing(ctx, e)
	defer stopPrep()
	w, err := openWorkspace(prepCtx, e, workspaceOptions{config: !savedPlan, cache: true, operation: "preview", lock: o.lock})
	if err != nil {
		return err
	}
	defer w.close()
	// Limits that cannot be read are refused before anything is planned.
	lim, err := resolveLimits(e, o.limits, w.settings)
	if err != nil {
		return err
	}
	client, err := newClient(e, recordedInferenceTimes(w.st))
	if err != nil {
		return err
	}
	var p *plan.Plan
	if savedPlan {
		p, _, err = plan.Load(args[0])
	} else {
		p, err = makePlan(prepCtx, e, w, o.planning, client.BaseURL())
	}
	if err != nil {
		return err
	}
	if !o.json {
		if err := writePlan(e, p, false, false, lim.ratePerMinute); err != nil {
			return err
		}
	}
	if !onlyCache {
		if err := lim.checkBudget(p); err != nil {
			return err
		}
	}
	page, err := review.New(o.out)
	if err != nil {
		return err
	}
	runErr := error(nil)
	if onlyCache {
		if err := afterFromCache(ctx, w.cache, p, page); err != nil {
			return err
		}
	} else if runErr = generatePreview(ctx, e, o, w, p, client, page, lim); runErr != nil && !isRunFailure(runErr) {
		return runErr
	}
	if err := beforeImages(ctx, w.cache, p, page); err != nil {
		return err
	}
	path, err := page.Write(p, review.Info{Commit: gitCommit(), Made: time.Now(), Previewed: !onlyCache})
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
func generatePreview(ctx context.Context, e *env, o previewOptions, w *workspace, p *plan.Plan, client *segmind.Client, page *review.Page, lim limits) error {
	if err := checkKeyFor(p, client); err != nil {
		return err
	}
	if p.NeedsAPI() && !o.autoApprove {
		if err := confirm(e, "preview"); err != nil {
			return err
		}
	}
	view := newApplyView(e, o.json, len(p.Changes), kindPreview)
	opts := engineOptions(e, p, w, client, view, o.parallelism, o.sync, lim)
	opts.Preview = page.After
	return runEngine(ctx, e, w, p, view, opts)
}

// isRunFailure is an error after which the page is still worth writing:
// some images failed, or the run was stopped; what was made is shown.
func isRunFailure(err error) bool {
	var code *exitCodeError
	var fatal *apply.FatalError
	return errors.As(err, &code) || errors.As(err, &fatal) || errors.Is(err, apply.ErrInterrupted)
}

// afterFromCache gives the page the images the cache holds of the changes
// that make images; the others show as not generated yet.
func afterFromCache(ctx context.Context, c *cache.Cache, p *plan.Plan, page *review.Page) error {
	for _, ch := range p.Changes {
		if len(ch.Write) == 0 {
			continue
		}
		_, imgs, err := c.Get(ctx, ch.InputHash)
		if err != nil {
			continue
		}
		if err := page.After(ch, imgs); err != nil {
			return err
		}
	}
	return nil
}

// beforeImages gives the page each change's images as they are now: the
// files on disk (where a move finds them, for a move), or, for a missing
// file, the cache's copy of the image the state recorded. A path is
// checked before it is read: a plan file is input, and the page is
// published.
func beforeImages(ctx context.Context, c *cache.Cache, p *plan.Plan, page *review.Page) error {
	for _, ch := range p.Changes {
		if ch.Prior == nil || ch.Action == plan.Create {
			continue
		}
		from := map[string]string{}
		for _, m := range ch.Moves {
			from[m.To] = m.From
		}
		var recorded []model.Image
		imgs := make([]model.Image, len(ch.Outputs))
		for i := range ch.Outputs {
			path := ch.Outputs[i]
			if i < len(ch.Prior.Outputs) {
				path = ch.Prior.Outputs[i].Path
			}
			if f := from[ch.Outputs[i]]; f != "" {
				path = f
			}
			if img, ok := readImage(path); ok {
				imgs[i] = img
				continue
			}
			if recorded == nil {
				if _, got, err := c.Get(ctx, ch.Prior.InputHash); err == nil {
					recorded = got
				}
			}
			if i < len(recorded) {
				imgs[i] = recorded[i]
			}
		}
		if err := page.Before(ch.Address, imgs); err != nil {
			return err
		}
	}
	return nil
}

// readImage reads an image file inside the configuration directory.
func readImage(rel string) (model.Image, bool) {
	if safepath.Check(".", rel) != nil {
		return model.Image{}, false
	}
	data, err := os.ReadFile(filepath.FromSlash(rel))
	if err != nil {
		return model.Image{}, false
	}
	info, err := imagecheck.Check(data)
	if err != nil {
		return model.Image{}, false
	}
	return model.Image{Data: data, ContentType: info.ContentType}, true
}

// gitCommit is the configuration's commit, when it is in git.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
