package main

import (
	"context"

	"github.com/imgform/imgform/internal/spec"
)

// loadConfig reads the configuration of the working directory with the
// global --var and --var-file values. Warnings are shown at once; errors
// come back as a diagsError for the edge to render.
func loadConfig(ctx context.Context, e *env) (*spec.Config, error) {
	cfg, diags := spec.Load(ctx, ".", spec.Options{
		Vars:     e.g.vars,
		VarFiles: e.g.varFiles,
		Environ:  e.environ(),
	})
	if diags.HasErrors() {
		return cfg, &diagsError{diags: diags, files: cfg.Files}
	}
	if len(diags) > 0 {
		newView(e).diagnostics(diags, cfg.Files)
	}
	return cfg, nil
}
