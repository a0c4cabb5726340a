package main

import (
	"context"
	"fmt"
	"path/filepath"

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

// workspaceName is the selected workspace: IMGFORM_WORKSPACE, else the
// one imgform workspace select recorded in .imgform/environment (as
// Terraform's .terraform/environment), else "default".
func workspaceName(e *env) (string, error) {
	return state.SelectedWorkspace(EnvWorkspace, e.getenv(EnvWorkspace), environmentFile)
}

// environmentFile is where imgform workspace select records the selected
// workspace, beside the configuration.
var environmentFile = filepath.Join(spec.StateDirName, "environment")

// openStore returns the store the configuration's settings name: the
// state files at --state, or the pg backend.
func openStore(e *env, settings *spec.Settings) state.Store {
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

// cacheDir is IMGFORM_CACHE_DIR, or .imgform/cache in the configuration
// directory.
func cacheDir(e *env) string {
	if d := e.getenv("IMGFORM_CACHE_DIR"); d != "" {
		return d
	}
	return filepath.Join(spec.StateDirName, "cache")
}
