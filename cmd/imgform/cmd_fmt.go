package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
)

type fmtOptions struct {
	check bool
	diff  bool
}

func (o *fmtOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.check, "check", false, "write nothing; list the files that are not formatted and exit 3 if there are any")
	fs.BoolVar(&o.diff, "diff", false, "show the changes as a unified diff")
}

func fmtCommand() *command {
	var o fmtOptions
	return &command{
		Name:  "fmt",
		Args:  "[FILES...]",
		Short: "Rewrite configuration files in the canonical format",
		Long:  planview.CommandHelp("fmt"),
		Flags: o.AddFlags,
		NArgs: cli.AtLeast(0),
		Run:   o.run,
	}
}

func (o *fmtOptions) run(_ context.Context, e *env, files []string) error {
	if len(files) == 1 && files[0] == "-" {
		src, err := io.ReadAll(e.stdin)
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		out, diags, parsed := spec.FormatSource(src, "<stdin>")
		if diags.HasErrors() {
			return &spec.DiagnosticsError{Diagnostics: diags, Files: parsed}
		}
		_, err = e.stdout.Write(out)
		return err
	}
	if len(files) == 0 {
		var err error
		if files, err = spec.ConfigFiles("."); err != nil {
			return err
		}
	}
	unformatted, err := spec.FormatFiles(files, o.check, func(name string, old, formatted []byte) {
		fmt.Fprintln(e.stdout, name)
		if o.diff {
			e.stdout.Write(diff.Diff("old/"+name, old, "new/"+name, formatted))
		}
	})
	if err == nil && o.check && unformatted > 0 {
		return cli.WithExitCode(exitFmtCheck, nil)
	}
	return err
}
