package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cache/s3"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/review"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

type reviewListOptions struct{ json bool }

type reviewPruneOptions struct {
	olderThan   string
	autoApprove bool
}

func reviewCommand() *command {
	var list reviewListOptions
	var prune reviewPruneOptions
	return &command{
		Name:  "review",
		Short: "List and prune the review pages published in the team's bucket",
		Long:  planview.CommandHelp("review"),
		Sub: []*command{{
			Name:  "list",
			Short: "List the published review pages, newest first",
			Flags: func(fs *pflag.FlagSet) { fs.BoolVar(&list.json, "json", false, "print one JSON object per page") },
			Run: func(ctx context.Context, e *env, _ []string) error {
				b, err := openReviewBucket(e)
				if err != nil {
					return err
				}
				rs, err := review.List(ctx, b)
				if err != nil {
					return err
				}
				return review.WriteList(e.stdout, rs, list.json)
			},
		}, {
			Name:  "prune",
			Short: "Remove the published review pages not written to for a while",
			Long:  planview.CommandHelp("review prune"),
			Flags: func(fs *pflag.FlagSet) {
				fs.StringVar(&prune.olderThan, "older-than", "", "remove the pages last written longer ago than `AGE` (30d, 12h)")
				fs.BoolVar(&prune.autoApprove, "auto-approve", false, "remove them; without it, only list them")
			},
			Run: func(ctx context.Context, e *env, _ []string) error {
				age, err := spec.ParseAge(prune.olderThan)
				if err != nil {
					return &cli.UsageError{Msg: "--older-than: " + err.Error(), Path: "review prune"}
				}
				b, err := openReviewBucket(e)
				if err != nil {
					return err
				}
				return review.Prune(ctx, b, e.stdout, age, time.Now(), !prune.autoApprove)
			},
		}},
	}
}

// openReviewBucket opens the team cache's bucket, which holds the
// published review pages.
func openReviewBucket(e *env) (*s3.Store, error) {
	settings, err := workspace.LoadSettings()
	if err != nil {
		return nil, err
	}
	if settings.Cache == nil {
		return nil, fmt.Errorf("review pages are published in the team cache's bucket, and this configuration names none: add a cache \"s3\" block to the imgform block")
	}
	return newS3Store(e, settings)
}

// publishSettings reads what --publish, --review-expiry and the cache
// block say about publishing (see review.ReadPublishSettings).
func publishSettings(o previewOptions, settings *spec.Settings) (review.PublishSettings, error) {
	var block map[string]string
	if settings.Cache != nil {
		block = settings.Cache.Args
	}
	var publish *bool
	if o.flags != nil && o.flags.Changed("publish") {
		publish = &o.publish
	}
	s, err := review.ReadPublishSettings(block, publish, o.reviewExpiry)
	if err != nil {
		return s, &cli.UsageError{Msg: err.Error(), Path: "preview"}
	}
	return s, nil
}

// publishReview publishes the written page when asked (s.Publish), and
// writes --markdown.
func publishReview(ctx context.Context, e *env, o previewOptions, s review.PublishSettings, w *workspace.Workspace, page *review.Page, p *plan.Plan, info review.Info, path string) error {
	if !s.Publish {
		return nil
	}
	var pub *review.Published
	opt, skip, err := review.Prepare(s, e.getenv, os.ReadFile, time.Now())
	switch {
	case err != nil:
		return err
	case e.g.cacheMode == cacheLocal:
		skip = "--cache=local keeps this run off the team's bucket"
	case skip == "":
		b, err := newS3Store(e, w.Settings)
		if err != nil {
			return err
		}
		if pub, err = page.Publish(ctx, b, p, info, opt); err != nil {
			return err
		}
	}
	if err := review.Report(e.stdout, pub, skip, path, o.json); err != nil {
		return err
	}
	if o.markdown == "" {
		return nil
	}
	return review.WriteMarkdownFile(o.markdown, pub, skip)
}
