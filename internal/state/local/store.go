package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/imgform/imgform/internal/state"
)

// WorkspacesDir holds the state files of the workspaces other than the
// default one, a folder each, beside the default one's.
const WorkspacesDir = "imgform.state.d"

// DefaultWorkspace is the workspace whose state is the file itself.
const DefaultWorkspace = state.DefaultWorkspace

// Store is where a configuration keeps its states in files: the default
// workspace's at the path given, every other one's under
// imgform.state.d/NAME/ beside it, with the same file name.
type Store struct{ path string }

// NewStore returns the store whose default state file is path.
func NewStore(path string) *Store { return &Store{path: path} }

// Path is the state file of workspace ws.
func (s *Store) Path(ws string) string {
	if ws == DefaultWorkspace {
		return s.path
	}
	return filepath.Join(filepath.Dir(s.path), WorkspacesDir, ws, filepath.Base(s.path))
}

// Open returns the state of workspace ws.
func (s *Store) Open(_ context.Context, ws string) (state.Backend, error) {
	if err := checkName(ws); err != nil {
		return nil, err
	}
	return Open(s.Path(ws)), nil
}

// Prepare does nothing: a state file is made by its first save.
func (s *Store) Prepare(context.Context) error { return nil }

// Workspaces lists the workspaces: the default one, and every one that
// has a folder, sorted.
func (s *Store) Workspaces(context.Context) ([]string, error) {
	names := []string{DefaultWorkspace}
	dirs, err := os.ReadDir(filepath.Join(filepath.Dir(s.path), WorkspacesDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("listing the workspaces: %w", err)
	}
	for _, d := range dirs {
		if d.IsDir() && state.ValidWorkspaceName(d.Name()) && d.Name() != DefaultWorkspace {
			names = append(names, d.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// CreateWorkspace makes workspace ws exist: its folder.
func (s *Store) CreateWorkspace(_ context.Context, ws string) error {
	if err := checkName(ws); err != nil {
		return err
	}
	if ws == DefaultWorkspace {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.Path(ws)), 0o755); err != nil {
		return fmt.Errorf("creating the workspace %q: %w", ws, err)
	}
	return nil
}

// DeleteWorkspace removes workspace ws: its folder, with its state, its
// backup and its lock file. The caller holds its lock (on Windows, which
// removes no file that is open, it lets go of it first). The default
// workspace is the configuration's own file, and is never removed.
func (s *Store) DeleteWorkspace(_ context.Context, ws string) error {
	if err := checkName(ws); err != nil {
		return err
	}
	if ws == DefaultWorkspace {
		return errors.New("the default workspace cannot be deleted")
	}
	if err := os.RemoveAll(filepath.Dir(s.Path(ws))); err != nil {
		return fmt.Errorf("deleting the workspace %q: %w", ws, err)
	}
	return nil
}

// checkName refuses a name that is no workspace's: a path, or nothing.
func checkName(ws string) error {
	if !state.ValidWorkspaceName(ws) {
		return fmt.Errorf("%q is not a workspace name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64", ws)
	}
	return nil
}

// UnlockBeforeDelete says that a workspace's lock must be let go before
// it is deleted on Windows, which removes no file that is open: the lock
// file is in the workspace's folder.
func (s *Store) UnlockBeforeDelete() bool { return runtime.GOOS == "windows" }
