package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/rogpeppe/go-internal/diff"
	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
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
		Long: `Rewrite *.img.hcl files (all of those in the working directory, or the
FILES given, which may also be variable files) in the canonical HCL layout,
and list the files it changed. "-" reads standard input and writes the
result to standard output. With --check nothing is written and the exit
code is 3 when a file would change, like terraform fmt -check.`,
		Flags: o.AddFlags,
		NArgs: cli.AtLeast(0),
		Run: func(ctx context.Context, e *env, args []string) error {
			return runFmt(e, o, args)
		},
	}
}

func runFmt(e *env, o fmtOptions, files []string) error {
	if len(files) == 1 && files[0] == "-" {
		src, err := io.ReadAll(e.stdin)
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		out, err := formatSource(src, "<stdin>")
		if err != nil {
			return err
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
	unformatted := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		out, err := formatSource(src, name)
		if err != nil {
			return err
		}
		if bytes.Equal(src, out) {
			continue
		}
		unformatted++
		fmt.Fprintln(e.stdout, name)
		if o.diff {
			e.stdout.Write(diff.Diff("old/"+name, src, "new/"+name, out))
		}
		if o.check {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			return fmt.Errorf("formatting %s: %w", name, err)
		}
		if err := atomicfile.WriteFile(name, out, fi.Mode().Perm()); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if o.check && unformatted > 0 {
		return withExitCode(exitFmtCheck, nil)
	}
	return nil
}

// formatSource returns src in canonical layout, or the syntax errors that
// keep it from being formatted.
// formatSource is spec.FormatSource, its diagnostics an error for the edge.
func formatSource(src []byte, name string) ([]byte, error) {
	out, diags, files := spec.FormatSource(src, name)
	if diags.HasErrors() {
		return nil, &spec.DiagnosticsError{Diagnostics: diags, Files: files}
	}
	return out, nil
}
