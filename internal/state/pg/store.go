package pg

import (
	"context"
	"slices"

	"github.com/imgform/imgform/internal/state"
)

// DefaultWorkspace is the workspace that always exists, stored or not.
const DefaultWorkspace = state.DefaultWorkspace

// Store is a schema that keeps the states of a configuration, one per
// workspace: it lists, creates and deletes them, and opens each.
type Store struct{ cfg Config }

// NewStore returns the store cfg names (cfg.Workspace is not used).
func NewStore(cfg Config) *Store { return &Store{cfg: cfg} }

// Open returns the state of workspace ws.
func (s *Store) Open(ctx context.Context, ws string) (state.Backend, error) {
	cfg := s.cfg
	cfg.Workspace = ws
	return Open(ctx, cfg)
}

// open is Open as a *Backend.
func (s *Store) open(ctx context.Context, ws string) (*Backend, error) {
	cfg := s.cfg
	cfg.Workspace = ws
	return Open(ctx, cfg)
}

// Prepare makes the schema, or migrates it, now, as the first write
// would: what imgform init does.
func (s *Store) Prepare(ctx context.Context) error {
	b, err := s.open(ctx, DefaultWorkspace)
	if err != nil {
		return err
	}
	defer b.Close()
	return b.CreateSchema(ctx)
}

// Workspaces lists the workspaces: the default one, and every one that
// has a state in the schema, sorted.
func (s *Store) Workspaces(ctx context.Context) ([]string, error) {
	b, err := s.open(ctx, DefaultWorkspace)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	stored, err := b.Workspaces(ctx)
	if err != nil {
		return nil, err
	}
	names := []string{DefaultWorkspace}
	for _, ws := range stored {
		if ws != DefaultWorkspace {
			names = append(names, ws)
		}
	}
	slices.Sort(names)
	return names, nil
}

// CreateWorkspace makes workspace ws exist: an empty state of its own.
func (s *Store) CreateWorkspace(ctx context.Context, ws string) error {
	b, err := s.open(ctx, ws)
	if err != nil {
		return err
	}
	defer b.Close()
	if _, err := b.Load(ctx); err != nil {
		return err
	}
	return b.Push(ctx, state.New())
}

// DeleteWorkspace removes workspace ws: its state and its journal, in one
// transaction. The caller holds its lock, and has made sure nothing in
// them is needed.
func (s *Store) DeleteWorkspace(ctx context.Context, ws string) error {
	b, err := s.open(ctx, ws)
	if err != nil {
		return err
	}
	defer b.Close()
	return b.Delete(ctx)
}
