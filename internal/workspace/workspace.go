package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/gitrev"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

// Wiring is how the command line makes what a workspace is made of.
type Wiring struct {
	// StatePath is the state file (--state): the default workspace's,
	// when the settings name no backend.
	StatePath string
	// Selected returns the workspace selected.
	Selected func() (string, error)
	// Store makes the state store the settings name.
	Store func(*spec.Settings) state.Store
	// Cache opens the content cache the settings name.
	Cache func(context.Context, *spec.Settings) (*cache.Cache, error)
	// LocalStatePath is the state file of workspace ws when the settings
	// name no backend.
	LocalStatePath func(ws string) string
	// ConfigOptions are the run's variables: Vars, VarFiles, Environ.
	ConfigOptions spec.Options
	Log           *slog.Logger
	// Warn tells the person something they should act on; Diagnostics
	// shows the configuration's warnings.
	Warn        func(format string, args ...any)
	Diagnostics func(hcl.Diagnostics, map[string]*hcl.File)
}

// LoadSettings reads the configuration's imgform block alone.
func LoadSettings() (*spec.Settings, error) {
	settings, files, diags := spec.LoadSettings(".")
	if diags.HasErrors() {
		return nil, &spec.DiagnosticsError{Diagnostics: diags, Files: files}
	}
	return settings, nil
}

// LoadConfig reads the configuration of the working directory with the
// run's variables and o's other options. Warnings are shown at once;
// errors come back as a spec.DiagnosticsError.
func LoadConfig(ctx context.Context, wr Wiring, o spec.Options) (*spec.Config, error) {
	o.Vars, o.VarFiles, o.Environ = wr.ConfigOptions.Vars, wr.ConfigOptions.VarFiles, wr.ConfigOptions.Environ
	cfg, diags := spec.Load(ctx, ".", o)
	if diags.HasErrors() {
		return cfg, &spec.DiagnosticsError{Diagnostics: diags, Files: cfg.Files}
	}
	if len(diags) > 0 {
		wr.Diagnostics(diags, cfg.Files)
	}
	return cfg, nil
}

// Need says what a command needs of its workspace.
type Need struct {
	Config bool // read the configuration
	Cache  bool // open the content cache (and check a shared one)
	// Operation names what the command does, for the lock holder's
	// record; "" takes no lock.
	Operation   string
	NoLock      bool // --lock=false: read without the lock
	LockTimeout time.Duration
	// IgnoreLocalState lets a command run while a local state is left
	// beside a shared backend: state push (how it is moved), and
	// force-unlock (which touches no state).
	IgnoreLocalState bool
}

// Workspace is what most commands work on: the configuration, the state
// (locked when asked) and the content cache.
type Workspace struct {
	Settings *spec.Settings
	Config   *spec.Config
	Backend  state.Backend
	State    *state.State
	Lock     state.Lock
	Cache    *cache.Cache
	Stats    *state.StatCache
	VarFiles []string // the --var-file files the configuration was read with
	// History is the checkout's git history, once a plan asked for it
	// (nil outside git, or before).
	History *gitrev.Repo
	log     *slog.Logger // set when the lock is taken, to log its release
}

// Open reads the settings, the state and what n asks for, taking the
// lock first when asked, so that nothing read can change underneath.
func Open(ctx context.Context, wr Wiring, n Need) (_ *Workspace, err error) {
	w := &Workspace{VarFiles: wr.ConfigOptions.VarFiles}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	if w.Settings, err = LoadSettings(); err != nil {
		return nil, err
	}
	if w.Backend, err = openBackend(ctx, wr, w.Settings, "", n.IgnoreLocalState); err != nil {
		return nil, err
	}
	if n.Operation != "" && !n.NoLock {
		start := time.Now()
		wr.Log.Debug("lock: taking", "backend", fmt.Sprint(w.Backend), "operation", n.Operation, "timeout", n.LockTimeout)
		if w.Lock, err = w.Backend.Lock(ctx, state.LockOptions{Operation: n.Operation, Timeout: n.LockTimeout}); err != nil {
			wr.Log.Info("lock: not taken", "backend", fmt.Sprint(w.Backend), "waited", time.Since(start).Round(time.Millisecond), "error", err)
			return nil, err
		}
		wr.Log.Debug("lock: taken", "backend", fmt.Sprint(w.Backend), "waited", time.Since(start).Round(time.Millisecond))
		w.log = wr.Log
	}
	if w.State, err = w.Backend.Load(ctx); err != nil {
		return nil, err
	}
	if n.Config {
		if w.Config, err = LoadConfig(ctx, wr, spec.Options{}); err != nil {
			return nil, err
		}
		// for planning the configuration: this checkout's stat cache,
		// beside the state file
		w.Stats = state.LoadStatCache(filepath.Join(filepath.Dir(wr.StatePath), spec.StateDirName, "stat.json"))
	}
	if n.Cache {
		if w.Cache, err = wr.Cache(ctx, w.Settings); err != nil {
			return nil, err
		}
		if w.Settings.Backend != nil && w.Settings.Cache == nil {
			// A shared state without a shared cache loses what runners
			// paid for.
			wr.Warn("the state is shared (backend %q) but the content cache is this machine's only (there is no cache block): an image one runner made cannot be restored by another, and a killed runner's finished images are paid for again by the next. Add a cache \"s3\" block beside the backend (see the README's section on teams).", w.Settings.Backend.Type)
		}
	}
	return w, nil
}

// Close lets go of the lock and the backend.
func (w *Workspace) Close() {
	if w.Lock != nil {
		w.Lock.Unlock()
		w.Lock = nil
		if w.log != nil {
			w.log.Debug("lock: released")
		}
	}
	if w.Backend != nil {
		w.Backend.Close()
		w.Backend = nil
	}
}

// Commit is the commit the configuration is checked out at, shortened;
// "" outside git.
func (w *Workspace) Commit() string {
	if w.History == nil {
		return ""
	}
	return w.History.Head()[:min(len(w.History.Head()), 7)]
}

// sharedState reports whether the state is shared by runners (a backend).
func (w *Workspace) sharedState() bool { return w.Settings.Backend != nil }

// openBackend opens the state of workspace ws ("" for the selected one)
// where the settings keep it. A local state file left where a shared
// backend is configured stops everything but its move there, unless
// ignoreLocalState.
func openBackend(ctx context.Context, wr Wiring, settings *spec.Settings, ws string, ignoreLocalState bool) (state.Backend, error) {
	if ws == "" {
		var err error
		if ws, err = wr.Selected(); err != nil {
			return nil, err
		}
	}
	b, err := wr.Store(settings).Open(ctx, ws)
	if err != nil {
		return nil, err
	}
	if settings.Backend != nil && !ignoreLocalState {
		if err := checkMigrated(wr.StatePath, b); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// PushedSuffix is added to a local state file once it was pushed to the
// configured backend.
const PushedSuffix = ".pushed"

// checkMigrated refuses to go on while a local state file is left beside
// a configuration whose state is in a shared backend: the two would
// diverge, and images recorded only locally would be paid for again.
func checkMigrated(statePath string, b state.Backend) error {
	fi, err := os.Stat(statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return nil
	}
	return fmt.Errorf("this configuration keeps its state in %s, but %s holds a local state. Move it there first (its lineage and serial are kept, and the file is renamed %s%s):\n  imgform state push %s\n(imgform init offers to move it too)",
		b, statePath, statePath, PushedSuffix, statePath)
}

// LoadState reads the state without a lock, for commands that only read.
func LoadState(ctx context.Context, wr Wiring) (*state.State, error) {
	w, err := Open(ctx, wr, Need{})
	if err != nil {
		return nil, err
	}
	defer w.Close()
	return w.State, nil
}

// EditState runs edit on the state, locked for operation, and saves the
// result when edit succeeds.
func EditState(ctx context.Context, wr Wiring, operation string, lockTimeout time.Duration, edit func(st *state.State) error) error {
	w, err := Open(ctx, wr, Need{Operation: operation, LockTimeout: lockTimeout})
	if err != nil {
		return err
	}
	defer w.Close()
	if err := edit(w.State); err != nil {
		return err
	}
	_, err = w.Backend.Save(ctx, w.State)
	return err
}
