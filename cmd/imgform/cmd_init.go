package main

import (
	"context"
	_ "embed"
	"fmt"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state/local"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

type initOptions struct {
	example     bool
	autoApprove bool
	input       bool
	lock        lockOptions
}

func (o *initOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.example, "example", false, "in a folder with no configuration, first write a starter "+exampleFile+" to edit")
	fs.BoolVar(&o.autoApprove, "auto-approve", false, "move a local state into the configured backend without asking")
	fs.BoolVar(&o.input, "input", true, "ask on a terminal; --input=false (or -input=false) never asks, as CI must not")
	o.lock.AddFlags(fs, false)
}

func initCommand() *command {
	var o initOptions
	return &command{
		Name:  "init",
		Short: "Prepare a checkout: check the configuration, .gitignore, the backend and the cache",
		Long:  planview.CommandHelp("init"),
		Flags: o.AddFlags,
		Run:   o.run,
	}
}

// exampleFile is the starter configuration init --example writes.
const exampleFile = "main.img.hcl"

//go:embed init_example.hcl
var exampleConfig []byte

func (o *initOptions) run(ctx context.Context, e *env, _ []string) error {
	_, localLeft, err := workspace.Init(ctx, e.wiring(), workspace.InitOptions{Example: o.example,
		Starter: workspace.Starter{File: exampleFile, Content: exampleConfig}, Ignored: gitignoreEntries(e)},
		func(format string, args ...any) { fmt.Fprintf(e.stdout, format, args...) })
	if err != nil {
		return err
	}
	if localLeft {
		if err := offerPush(ctx, e, *o); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout, "\nimgform is ready. Run imgform plan to see what would be generated.")
	return nil
}

// offerPush moves the local state file left beside a configuration whose
// state is in a shared backend into it, as terraform init offers to
// migrate a state: asked on a terminal, at once with --auto-approve.
func offerPush(ctx context.Context, e *env, o initOptions) error {
	how := fmt.Sprintf("imgform init --auto-approve, or imgform state push %s", e.g.statePath)
	switch {
	case o.autoApprove:
	case !o.input || !cli.IsTerminal(e.stdin):
		return fmt.Errorf("%s holds a local state, and this configuration keeps its state in its backend: it must be moved there before anything is planned. Move it with %s", e.g.statePath, how)
	default:
		yes, err := askYes(e, fmt.Sprintf("%s holds a local state. Move it into the configured backend (its lineage and serial are kept, and the file is renamed %s%s)?", e.g.statePath, e.g.statePath, workspace.PushedSuffix), "init")
		if err != nil {
			return err
		}
		if !yes {
			return fmt.Errorf("the local state was not moved, and imgform plans nothing while it is there. Move it with %s", how)
		}
	}
	return runStatePush(ctx, e, o.lock, e.g.statePath, false)
}

// gitignoreEntries are what imgform keeps beside the configuration and
// must not be committed: its folder (cache, journal, stat cache, kept
// copies, the selected workspace), the review page preview writes by
// default, and the state file's backup, lock and pushed copy. The state
// file itself is committed.
func gitignoreEntries(e *env) []string {
	base := filepath.Base(e.g.statePath)
	return []string{spec.StateDirName + "/", defaultReviewDir + "/", base + local.BackupSuffix, base + ".lock", base + workspace.PushedSuffix}
}
