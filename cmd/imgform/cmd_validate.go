package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
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
		Long:  planview.CommandHelp("validate"),
		Flags: o.AddFlags,
		Run:   o.run,
	}
}

func (o *validateOptions) run(ctx context.Context, e *env, _ []string) error {
	cfg, diags := spec.Load(ctx, ".", spec.Options{Vars: e.g.vars, VarFiles: e.g.varFiles, Environ: e.environ(), AllowUnset: true})
	if o.json {
		if err := planview.WriteJSONDiagnostics(e.stdout, diags, cfg.Files); err != nil {
			return err
		}
		if diags.HasErrors() {
			return cli.WithExitCode(exitError, nil)
		}
		return nil
	}
	if diags.HasErrors() {
		return &spec.DiagnosticsError{Diagnostics: diags, Files: cfg.Files}
	}
	if len(diags) > 0 {
		newView(e).Diagnostics(diags, cfg.Files)
	}
	return planview.WriteValid(e.stdout, cfg)
}
