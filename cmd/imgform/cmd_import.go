package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/workspace"
)

type importOptions struct {
	lock lockOptions
}

func (o *importOptions) AddFlags(fs *pflag.FlagSet) { o.lock.AddFlags(fs, false) }

func importCommand() *command {
	var o importOptions
	return &command{
		Name:  "import",
		Args:  "ADDR PATH...",
		Short: "Adopt existing files as the outputs of a declared image",
		Long: `Record existing files as the outputs of a declared image, one PATH per
sample, so that imgform manages them without generating anything: the
files are hashed and recorded with generator "imported" and the image's
current request. When a PATH is not the image's output path, the next plan
moves the file there.`,
		Flags: o.AddFlags,
		NArgs: cli.AtLeast(2),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runImport(ctx, e, o, args[0], args[1:])
		},
	}
}

func runImport(ctx context.Context, e *env, o importOptions, addrArg string, paths []string) error {
	addr, err := spec.ParseAddress(addrArg)
	if err != nil {
		return &cli.UsageError{Msg: err.Error(), Path: "import"}
	}
	w, err := workspace.Open(ctx, e.wiring(), workspace.Need{Config: true, Operation: "import", LockTimeout: o.lock.timeout})
	if err != nil {
		return err
	}
	defer w.Close()
	img := w.Config.Lookup(addr)
	if img == nil {
		return fmt.Errorf("no image %s is declared in the configuration; declare it first, then import its file", addr)
	}
	rels := make([]string, len(paths))
	for i, p := range paths {
		if rels[i], err = apply.ImportPath(p); err != nil {
			return err
		}
	}
	if _, err := apply.Import(".", w.State, img, rels); err != nil {
		return err
	}
	if _, err := w.Backend.Save(ctx, w.State); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Imported %s from %s.\n", addr, strings.Join(paths, ", "))
	return nil
}

// configRelative turns a path given on the command line into the
// slash-separated path relative to the configuration directory that the
// state records; it must not leave that directory.
