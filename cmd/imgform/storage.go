package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/imgform/imgform/internal/cache"
	cachedir "github.com/imgform/imgform/internal/cache/dir"
	"github.com/imgform/imgform/internal/cache/s3"
	"github.com/imgform/imgform/internal/safepath"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
	"github.com/imgform/imgform/internal/state/pg"
)

// EnvWorkspace selects the workspace: one state per workspace, as
// Terraform's.
const EnvWorkspace = "IMGFORM_WORKSPACE"

// DefaultWorkspace is the workspace when EnvWorkspace is not set.
const DefaultWorkspace = state.DefaultWorkspace

// workspaceName is the selected workspace: IMGFORM_WORKSPACE, else the
// one imgform workspace select wrote in .imgform/environment, else
// "default".
func workspaceName(e *env) (string, error) {
	if ws := e.getenv(EnvWorkspace); ws != "" {
		if !state.ValidWorkspaceName(ws) {
			return "", fmt.Errorf("%s=%q is not a workspace name: %s", EnvWorkspace, ws, workspaceNameRule)
		}
		return ws, nil
	}
	return selectedWorkspace()
}

// workspaceNameRule says what a workspace name is.
const workspaceNameRule = "1 to 64 letters, digits, '_', '.' and '-', starting with a letter or digit"

// environmentFile is where imgform workspace select records the selected
// workspace, beside the configuration (Terraform's .terraform/environment).
var environmentFile = filepath.Join(spec.StateDirName, "environment")

// selectedWorkspace is the workspace .imgform/environment names, or
// "default" when there is none.
func selectedWorkspace() (string, error) {
	data, err := os.ReadFile(environmentFile)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultWorkspace, nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the selected workspace: %w", err)
	}
	ws := strings.TrimSpace(string(data))
	if !state.ValidWorkspaceName(ws) {
		return "", fmt.Errorf("%s names %q, which is not a workspace name (%s); select one with imgform workspace select NAME", environmentFile, ws, workspaceNameRule)
	}
	return ws, nil
}

// loadSettings reads the configuration's imgform block.
func loadSettings(e *env) (*spec.Settings, error) {
	settings, files, diags := spec.LoadSettings(".")
	if diags.HasErrors() {
		return nil, &diagsError{diags: diags, files: files}
	}
	return settings, nil
}

// backendOptions say what a command needs of the backend.
type backendOptions struct {
	// ignoreLocalState lets a command run while a local state is left
	// beside a shared backend: state push (how it is moved), and
	// force-unlock (which touches no state).
	ignoreLocalState bool
}

// openBackend opens the workspace's state where the configuration keeps
// it: the state file, or the pg backend. A local state file left where a
// shared backend is configured stops everything but its move there.
func openBackend(ctx context.Context, e *env, settings *spec.Settings, o backendOptions) (state.Backend, error) {
	ws, err := workspaceName(e)
	if err != nil {
		return nil, err
	}
	return openWorkspaceBackend(ctx, e, settings, ws, o)
}

// stateStore is where the configuration keeps its states, one per
// workspace (local.Store: files beside the configuration; pg.Store: a
// schema): the workspace commands list, create and delete them through
// it, and every command opens its workspace's state from it.
type stateStore interface {
	// Prepare readies the store for states (pg makes its schema).
	Prepare(ctx context.Context) error
	Open(ctx context.Context, ws string) (state.Backend, error)
	Workspaces(ctx context.Context) ([]string, error)
	CreateWorkspace(ctx context.Context, ws string) error
	DeleteWorkspace(ctx context.Context, ws string) error
}

// openStore returns the store the configuration's settings name: the
// state files at --state, or the pg backend.
func openStore(e *env, settings *spec.Settings) stateStore {
	if settings.Backend == nil {
		return local.NewStore(e.g.statePath)
	}
	conn := settings.Backend.Args["conn_str"]
	if conn == "" {
		conn = e.getenv(pg.EnvConnStr)
	}
	return pg.NewStore(pg.Config{ConnStr: conn, Schema: settings.Backend.Args["schema_name"],
		ConnectTimeout: settings.Backend.Timeout("connect_timeout"), RequestTimeout: settings.Backend.Timeout("request_timeout")})
}

// openWorkspaceBackend opens the state of workspace ws (see openBackend).
func openWorkspaceBackend(ctx context.Context, e *env, settings *spec.Settings, ws string, o backendOptions) (state.Backend, error) {
	b, err := openStore(e, settings).Open(ctx, ws)
	if err != nil {
		return nil, err
	}
	if settings.Backend != nil && !o.ignoreLocalState {
		if err := checkMigrated(e, b); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// localStatePath is the state file of a workspace: --state for the default
// one, imgform.state.d/NAME/ beside it for the others.
func localStatePath(e *env, ws string) string { return local.NewStore(e.g.statePath).Path(ws) }

// checkMigrated refuses to go on while a local state file is left beside
// a configuration whose state is in a shared backend: the two would
// diverge, and images recorded only locally would be paid for again.
func checkMigrated(e *env, b state.Backend) error {
	fi, err := os.Stat(e.g.statePath)
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
		b, e.g.statePath, e.g.statePath, pushedSuffix, e.g.statePath)
}

// pushedSuffix is added to a local state file once it was pushed to the
// configured backend.
const pushedSuffix = ".pushed"

// openCache opens the content cache: the local directory, with the
// configured shared cache behind it unless --cache=local. A shared cache
// that cannot be used stops the command before anything is paid.
func openCache(ctx context.Context, e *env, settings *spec.Settings) (*cache.Cache, error) {
	local := cachedir.New(cacheDir(e))
	pending := cache.NewPending(filepath.Join(safepath.StateDirName, "uploads"))
	switch {
	case settings.Cache == nil:
		return cache.New(local), nil
	case e.g.cacheMode == cacheLocal:
		// What is made now is shared by the next run that reaches the
		// team cache.
		return cache.NewLocalFor(local, pending), nil
	}
	remote, err := newS3Store(e, settings)
	if err != nil {
		return nil, err
	}
	if err := remote.Check(ctx); err != nil {
		return nil, fmt.Errorf("%w\n\nNothing was paid: imgform does not make images the team's cache cannot keep. Fix the cache, or run with --cache=local to go on with this machine's cache only", err)
	}
	return cache.NewShared(local, remote, pending), nil
}

// newS3Store is the store of the cache "s3" block.
func newS3Store(e *env, settings *spec.Settings) (*s3.Store, error) {
	args := settings.Cache.Args
	return s3.New(s3.Config{Bucket: args["bucket"], Prefix: args["prefix"], Region: args["region"], Endpoint: args["endpoint"],
		ConnectTimeout: settings.Cache.Timeout("connect_timeout"), RequestTimeout: settings.Cache.Timeout("request_timeout"),
		Log: e.logger()}, e.getenv)
}

// The values of --cache.
const (
	cacheConfigured = ""
	cacheLocal      = "local"
)
