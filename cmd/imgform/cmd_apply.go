package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
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
		Name:     "apply",
		Args:     "[PLANFILE]",
		Short:    "Generate exactly what the plan says",
		Long:     planview.CommandHelp("apply"),
		Flags:    o.AddFlags,
		NArgs:    cli.AtMost(1),
		Graceful: true,
		Run:      o.run,
	}
}

func (o *applyOptions) run(ctx context.Context, e *env, args []string) error {
	if err := o.check("apply", len(args) == 1, len(args) == 1); err != nil {
		return err
	}
	r, err := prepareRun(ctx, e, o.engineFlags, args, "apply")
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.CheckKey(r.Plan, segmind.EnvAPIKey); err != nil {
		return err
	}
	if err := r.Limits.CheckBudget(r.Plan); err != nil {
		return err
	}
	if p := r.Plan; !p.HasChanges() && len(p.Refresh) == 0 && len(p.Committed) == 0 && p.PendingUploads == 0 {
		if collect, err := announceCollection(ctx, e, *o, r); err != nil || !collect {
			return err
		}
	}
	if r.Plan.HasChanges() && !r.Saved && !o.autoApprove {
		if err := confirm(e, "apply"); err != nil {
			return err
		}
	}
	return execute(ctx, e, r, r.Plan, o.engineFlags, planview.KindApply, nil)
}

// announceCollection decides what a plan with nothing to do still does:
// jobs an earlier run submitted are collected whatever this run was
// asked, since they are paid for and a later change back to their
// request should cost nothing. Without a key they are only mentioned.
func announceCollection(ctx context.Context, e *env, o applyOptions, r *workspace.Run) (bool, error) {
	n, err := r.Collectable(ctx)
	if err != nil || n == 0 {
		return false, err
	}
	jobs := planview.Plural(n, "job", "jobs")
	if !r.API.HasKey() || r.API.KeyError() != nil {
		fmt.Fprintf(e.stderr, "%d %s that an earlier run submitted (and paid for) %s still journaled; set %s to collect %s images into the cache.\n", n, jobs, planview.Plural(n, "is", "are"), segmind.EnvAPIKey, planview.Plural(n, "its", "their"))
		return false, nil
	}
	if !o.json {
		fmt.Fprintf(e.stdout, "\n%d %s that an earlier run submitted (and paid for) %s still journaled: collecting %s images into the cache.\n", n, jobs, planview.Plural(n, "is", "are"), planview.Plural(n, "its", "their"))
	}
	return true, nil
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
		return false, cli.WithExitCode(exitInterrupted, fmt.Errorf("%s cancelled at the prompt: nothing was done", command))
	}
	return yes, err
}
