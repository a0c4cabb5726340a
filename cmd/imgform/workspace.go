package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/gitrev"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
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

// workspace is what most commands work on: the configuration, the state
// (locked when asked) and the content cache.
type workspace struct {
	settings *spec.Settings
	cfg      *spec.Config
	backend  state.Backend
	st       *state.State
	lock     state.Lock
	cache    *cache.Cache
	stats    *state.StatCache
	log      *slog.Logger // set when the lock is taken, to log its release
	varFiles []string     // the --var-file files the configuration was read with
	// history is the checkout's git history, once a plan asked for it
	// (nil outside git, or before).
	history *gitrev.Repo
}

// commit is the commit the configuration is checked out at, shortened;
// "" outside git.
func (w *workspace) commit() string {
	if w.history == nil {
		return ""
	}
	return w.history.Head()[:min(len(w.history.Head()), 7)]
}

type workspaceOptions struct {
	config    bool   // read the configuration
	cache     bool   // open the content cache (and check a shared one)
	operation string // for the lock holder's record; "" takes no lock
	lock      lockOptions
	backend   backendOptions
}

// openWorkspace reads the configuration and the state, taking the lock
// first when asked, so that nothing read can change underneath.
func openWorkspace(ctx context.Context, e *env, o workspaceOptions) (_ *workspace, err error) {
	w := &workspace{varFiles: e.g.varFiles}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	if w.settings, err = loadSettings(e); err != nil {
		return nil, err
	}
	if w.backend, err = openBackend(ctx, e, w.settings, o.backend); err != nil {
		return nil, err
	}
	if o.operation != "" && o.lock.lock {
		start := time.Now()
		e.logger().Debug("lock: taking", "backend", fmt.Sprint(w.backend), "operation", o.operation, "timeout", o.lock.timeout)
		if w.lock, err = w.backend.Lock(ctx, state.LockOptions{Operation: o.operation, Timeout: o.lock.timeout}); err != nil {
			e.logger().Info("lock: not taken", "backend", fmt.Sprint(w.backend), "waited", time.Since(start).Round(time.Millisecond), "error", err)
			return nil, err
		}
		e.logger().Debug("lock: taken", "backend", fmt.Sprint(w.backend), "waited", time.Since(start).Round(time.Millisecond))
		w.log = e.logger()
	}
	if w.st, err = w.backend.Load(ctx); err != nil {
		return nil, err
	}
	if o.config {
		if w.cfg, err = loadConfig(ctx, e); err != nil {
			return nil, err
		}
		w.stats = state.LoadStatCache(statCachePath(e)) // for planning the configuration
	}
	if o.cache {
		if w.cache, err = openCache(ctx, e, w.settings); err != nil {
			return nil, err
		}
		warnUnsharedCache(e, w.settings)
	}
	return w, nil
}

// warnUnsharedCache says, once a run, that a shared state without a
// shared cache loses what runners paid for.
func warnUnsharedCache(e *env, settings *spec.Settings) {
	if settings.Backend == nil || settings.Cache != nil {
		return
	}
	newView(e).warnf("the state is shared (backend %q) but the content cache is this machine's only (there is no cache block): an image one runner made cannot be restored by another, and a killed runner's finished images are paid for again by the next. Add a cache \"s3\" block beside the backend (see the README's section on teams).", settings.Backend.Type)
}

func (w *workspace) close() {
	if w.lock != nil {
		w.lock.Unlock()
		w.lock = nil
		if w.log != nil {
			w.log.Debug("lock: released")
		}
	}
	if w.backend != nil {
		w.backend.Close()
		w.backend = nil
	}
}

// cacheDir is IMGFORM_CACHE_DIR, or .imgform/cache in the configuration
// directory.
func cacheDir(e *env) string {
	if d := e.getenv("IMGFORM_CACHE_DIR"); d != "" {
		return d
	}
	return filepath.Join(spec.StateDirName, "cache")
}

// statCachePath is this checkout's stat cache, beside the state file.
func statCachePath(e *env) string {
	return filepath.Join(filepath.Dir(e.g.statePath), spec.StateDirName, "stat.json")
}

// loadState reads the state without a lock, for commands that only read.
func loadState(ctx context.Context, e *env) (*state.State, error) {
	w, err := openWorkspace(ctx, e, workspaceOptions{})
	if err != nil {
		return nil, err
	}
	defer w.close()
	return w.st, nil
}

// parseAddresses reads addresses given to a flag.
func parseAddresses(flag string, raw []string) ([]spec.Address, error) {
	out, err := spec.ParseAddresses(raw)
	if err != nil {
		return nil, &cli.UsageError{Msg: "--" + flag + ": " + err.Error()}
	}
	return out, nil
}
