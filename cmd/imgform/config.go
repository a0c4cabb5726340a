package main

import (
	"context"

	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/workspace"
)

// loadConfig reads the configuration of the working directory with the
// global --var and --var-file values (see workspace.LoadConfig).
func loadConfig(ctx context.Context, e *env) (*spec.Config, error) {
	return workspace.LoadConfig(ctx, e.wiring(), spec.Options{})
}
