package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/spec"
	planview "github.com/imgform/imgform/internal/view"
)

type validateOptions struct {
	json bool
}

func (o *validateOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.json, "json", false, "print the result and every diagnostic as one JSON document on stdout")
}

func validateCommand() *command {
	var o validateOptions
	return &command{
		Name:  "validate",
		Short: "Check the configuration",
		Long: `Read every *.img.hcl file of the working directory, evaluate variables,
locals, defaults, for_each and count, and check every image against the
model's schema. Exits 1 with a diagnostic for every problem, each naming
its file, line and column.`,
		Flags: o.AddFlags,
		Run: func(ctx context.Context, e *env, args []string) error {
			return runValidate(ctx, e, o)
		},
	}
}

func runValidate(ctx context.Context, e *env, o validateOptions) error {
	cfg, diags := spec.Load(ctx, ".", spec.Options{Vars: e.g.vars, VarFiles: e.g.varFiles, Environ: e.environ(), AllowUnset: true})
	if o.json {
		if err := planview.WriteJSONDiagnostics(e.stdout, diags, cfg.Files); err != nil {
			return err
		}
		if diags.HasErrors() {
			return withExitCode(exitError, nil)
		}
		return nil
	}
	if diags.HasErrors() {
		return &spec.DiagnosticsError{Diagnostics: diags, Files: cfg.Files}
	}
	if len(diags) > 0 {
		newView(e).Diagnostics(diags, cfg.Files)
	}
	n := len(cfg.Images)
	noun := "images"
	if n == 1 {
		noun = "image"
	}
	if _, err := fmt.Fprintf(e.stdout, "Success! The configuration is valid: %d %s.\n", n, noun); err != nil {
		return err
	}
	if len(cfg.Unset) > 0 {
		names := make([]string, len(cfg.Unset))
		for i, v := range cfg.Unset {
			names[i] = "var." + v
		}
		_, err := fmt.Fprintf(e.stdout, "%s %s no value: the images that depend on %s were checked as far as they can be without %s (plan and apply need a value).\n",
			strings.Join(names, ", "), planview.Plural(len(names), "has", "have"), planview.Plural(len(names), "it", "them"), planview.Plural(len(names), "it", "them"))
		return err
	}
	return nil
}
