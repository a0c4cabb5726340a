package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
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
		Long:  planview.CommandHelp("import"),
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
	if err := workspace.Import(ctx, e.wiring(), addr, paths, o.lock.timeout); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Imported %s from %s.\n", addr, strings.Join(paths, ", "))
	return nil
}

// configRelative turns a path given on the command line into the
// slash-separated path relative to the configuration directory that the
// state records; it must not leave that directory.
