package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state/local"
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
		Long: `Prepare this checkout to plan and apply, as terraform init does; run it
again any time, it changes only what is missing. It checks the
configuration, adds to .gitignore what imgform keeps beside it and must not
be committed (.imgform/, the state's backup and lock), connects to the
backend the imgform block names (creating the pg schema) and to the shared
cache (checking its bucket). When a local state file is left where a
shared backend is configured, it offers to move it there, as imgform state
push does; --auto-approve moves it without asking, and with --input=false
(or no terminal) it stops and says how.

In a folder with no configuration yet, init --example writes a starter
main.img.hcl (one image and a variant, with comments) to begin from.`,
		Flags: o.AddFlags,
		Run: func(ctx context.Context, e *env, args []string) error {
			return runInit(ctx, e, o)
		},
	}
}

// exampleFile is the starter configuration init --example writes.
const exampleFile = "main.img.hcl"

//go:embed init_example.hcl
var exampleConfig []byte

func runInit(ctx context.Context, e *env, o initOptions) error {
	files, err := spec.ConfigFiles(".")
	if err != nil {
		return err
	}
	switch {
	case o.example && len(files) > 0:
		return fmt.Errorf("init --example writes a starter configuration into a folder that has none, and this one has %s; edit it instead", strings.Join(baseNames(files), ", "))
	case o.example:
		if err := atomicfile.WriteFile(exampleFile, exampleConfig, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", exampleFile, err)
		}
		fmt.Fprintf(e.stdout, "Wrote a starter configuration to %s: one image and a variant. Edit it, then run imgform plan --offline.\n", exampleFile)
	}
	if _, err := loadConfig(ctx, e); err != nil {
		var de *diagsError
		if len(files) == 0 && errors.As(err, &de) {
			// "No configuration files", and how to begin.
			for _, d := range de.diags {
				d.Detail += fmt.Sprintf(" To begin from a starter, run imgform init --example: it writes %s, one image and a variant to edit.", exampleFile)
			}
		}
		return err
	}
	fmt.Fprintln(e.stdout, "The configuration is valid.")

	added, err := atomicfile.AddGitignoreEntries(".gitignore", "imgform: its cache, journal and local files, the review page, and the state's backup and lock", gitignoreEntries(e))
	if err != nil {
		return err
	}
	if len(added) > 0 {
		fmt.Fprintf(e.stdout, "Added to .gitignore: %s.\n", strings.Join(added, ", "))
	} else {
		fmt.Fprintln(e.stdout, ".gitignore has imgform's entries.")
	}

	settings, err := loadSettings(e)
	if err != nil {
		return err
	}
	ws, err := workspaceName(e)
	if err != nil {
		return err
	}
	// A shared backend's schema is made by its first write, or here.
	if err := openStore(e, settings).Prepare(ctx); err != nil {
		return err
	}
	b, err := openWorkspaceBackend(ctx, e, settings, ws, backendOptions{ignoreLocalState: true})
	if err != nil {
		return err
	}
	if _, err := b.Load(ctx); err != nil {
		b.Close()
		return err
	}
	b.Close()
	if settings.Backend == nil {
		fmt.Fprintf(e.stdout, "The state is kept in %s (workspace %s).\n", localStatePath(e, ws), ws)
	} else {
		fmt.Fprintf(e.stdout, "The state is kept in %s: ready.\n", b)
	}

	c, err := openCache(ctx, e, settings)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "The content cache is %s: ready.\n", c)

	if settings.Backend != nil {
		if err := offerPush(ctx, e, o); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout, "\nimgform is ready. Run imgform plan to see what would be generated.")
	return nil
}

// offerPush moves a local state file left beside a configuration whose
// state is in a shared backend into it, as terraform init offers to
// migrate a state: asked on a terminal, at once with --auto-approve.
func offerPush(ctx context.Context, e *env, o initOptions) error {
	fi, err := os.Stat(e.g.statePath)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
		return nil
	}
	if err != nil {
		return err
	}
	how := fmt.Sprintf("imgform init --auto-approve, or imgform state push %s", e.g.statePath)
	switch {
	case o.autoApprove:
	case !o.input || !cli.IsTerminal(e.stdin):
		return fmt.Errorf("%s holds a local state, and this configuration keeps its state in its backend: it must be moved there before anything is planned. Move it with %s", e.g.statePath, how)
	default:
		yes, err := askYes(e, fmt.Sprintf("%s holds a local state. Move it into the configured backend (its lineage and serial are kept, and the file is renamed %s%s)?", e.g.statePath, e.g.statePath, pushedSuffix), "init")
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
	return []string{spec.StateDirName + "/", defaultReviewDir + "/", base + local.BackupSuffix, base + ".lock", base + pushedSuffix}
}

// baseNames is the files' names without their folders.
func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}
