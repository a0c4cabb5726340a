package main

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
	"github.com/imgform/imgform/internal/workspace"
)

// lockOptions are the flags of a command that takes the state lock.
type lockOptions struct {
	lock    bool
	timeout time.Duration
}

func (o *lockOptions) AddFlags(fs *pflag.FlagSet, optional bool) {
	if optional {
		fs.BoolVar(&o.lock, "lock", true, "hold the state lock while running; --lock=false for read-only checkouts")
	} else {
		o.lock = true
	}
	fs.DurationVar(&o.timeout, "lock-timeout", 0, "wait up to `DURATION` for a lock held by another run (0: fail at once)")
}

// wiring is how this run makes its workspace: the concrete state store
// and cache the settings name, the variables, the log and the views.
func (e *env) wiring() workspace.Wiring {
	return workspace.Wiring{
		StatePath: e.g.statePath,
		Selected:  func() (string, error) { return workspaceName(e) },
		Store:     func(settings *spec.Settings) state.Store { return openStore(e, settings) },
		Cache: func(ctx context.Context, settings *spec.Settings) (*cache.Cache, error) {
			return openCache(ctx, e, settings)
		},
		LocalStatePath: func(ws string) string { return localStatePath(e, ws) },
		ConfigOptions:  spec.Options{Vars: e.g.vars, VarFiles: e.g.varFiles, Environ: e.environ()},
		Log:            e.logger(),
		Warn:           func(format string, args ...any) { newView(e).Warnf(format, args...) },
		Diagnostics:    func(diags hcl.Diagnostics, files map[string]*hcl.File) { newView(e).Diagnostics(diags, files) },
	}
}

// localStatePath is the state file of a workspace: --state for the default
// one, imgform.state.d/NAME/ beside it for the others.
func localStatePath(e *env, ws string) string { return local.NewStore(e.g.statePath).Path(ws) }
