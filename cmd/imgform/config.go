package main

import (
	"context"

	"github.com/imgform/imgform/internal/spec"
)

// loadConfig reads the configuration of the working directory with the
// global --var and --var-file values. Warnings are shown at once; errors
// come back as a diagsError for the edge to render.
func loadConfig(ctx context.Context, e *env) (*spec.Config, error) {
	return loadConfigWith(ctx, e, spec.Options{})
}

// loadConfigWith is loadConfig with o's other options.
func loadConfigWith(ctx context.Context, e *env, o spec.Options) (*spec.Config, error) {
	o.Vars, o.VarFiles, o.Environ = e.g.vars, e.g.varFiles, e.environ()
	cfg, diags := spec.Load(ctx, ".", o)
	if diags.HasErrors() {
		return cfg, &diagsError{diags: diags, files: cfg.Files}
	}
	if len(diags) > 0 {
		newView(e).diagnostics(diags, cfg.Files)
	}
	return cfg, nil
}
