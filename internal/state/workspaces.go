package state

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Store is where a configuration keeps its states, one per workspace
// (local.Store: files beside the configuration; pg.Store: a schema). The
// workspace operations below list, create and delete workspaces through
// it; every command opens its workspace's state from it.
type Store interface {
	// Prepare readies the store for states (pg makes its schema).
	Prepare(ctx context.Context) error
	Open(ctx context.Context, ws string) (Backend, error)
	Workspaces(ctx context.Context) ([]string, error)
	CreateWorkspace(ctx context.Context, ws string) error
	DeleteWorkspace(ctx context.Context, ws string) error
}

// ListWorkspaces lists the store's workspaces, sorted, with current among
// them even when nothing was stored in it yet (a variable names it).
func ListWorkspaces(ctx context.Context, s Store, current string) ([]string, error) {
	names, err := s.Workspaces(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(names, current) {
		names = append(names, current)
		slices.Sort(names)
	}
	return names, nil
}

// NewWorkspace creates the workspace name, which must not exist yet.
func NewWorkspace(ctx context.Context, s Store, name string) error {
	if err := CheckWorkspaceName(name); err != nil {
		return err
	}
	names, err := s.Workspaces(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(names, name) {
		return fmt.Errorf("the workspace %q exists already; select it with imgform workspace select %s", name, name)
	}
	return s.CreateWorkspace(ctx, name)
}

// FindWorkspace checks that the workspace name exists, before it is
// selected; orCreate creates it when it does not (created says so).
func FindWorkspace(ctx context.Context, s Store, name string, orCreate bool) (created bool, err error) {
	if err := CheckWorkspaceName(name); err != nil {
		return false, err
	}
	names, err := s.Workspaces(ctx)
	if err != nil {
		return false, err
	}
	switch {
	case slices.Contains(names, name):
		return false, nil
	case !orCreate:
		return false, fmt.Errorf("there is no workspace %q; create it with imgform workspace new %s (the workspaces: %v)", name, name, names)
	}
	return true, s.CreateWorkspace(ctx, name)
}

// CheckDeletable refuses, before anything is read, a name no workspace
// that may be deleted has: one that is no name, or the default one.
func CheckDeletable(name string) error {
	if err := CheckWorkspaceName(name); err != nil {
		return err
	}
	if name == DefaultWorkspace {
		return errors.New("the default workspace cannot be deleted")
	}
	return nil
}

// DeleteOptions say how DeleteWorkspace goes about it.
type DeleteOptions struct {
	Current     string // the selected workspace, which is not deleted
	Force       bool   // delete one whose state records images, or whose journal holds jobs
	LockTimeout time.Duration
}

// UnlockingStore is a Store that deletes a workspace only once its lock
// is let go, when UnlockBeforeDelete says so: a state file's lock file is
// in the workspace's folder, and Windows removes no file that is open.
type UnlockingStore interface {
	UnlockBeforeDelete() bool
}

// DeleteWorkspace deletes the workspace name, its state and its job
// journal, under its lock: not the default one, nor the current one, nor
// (unless Force) one that records images or holds paid jobs.
func DeleteWorkspace(ctx context.Context, s Store, name string, o DeleteOptions) error {
	if err := CheckDeletable(name); err != nil {
		return err
	}
	if name == o.Current {
		return fmt.Errorf("the workspace %q is the selected one; select another before deleting it", name)
	}
	names, err := s.Workspaces(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(names, name) {
		return fmt.Errorf("there is no workspace %q", name)
	}
	b, err := s.Open(ctx, name)
	if err != nil {
		return err
	}
	defer b.Close()
	lock, err := b.Lock(ctx, LockOptions{Operation: "workspace delete", Timeout: o.LockTimeout})
	if err != nil {
		return err
	}
	defer lock.Unlock()
	st, err := b.Load(ctx)
	if err != nil {
		return err
	}
	jobs, err := b.Jobs().List(ctx)
	if err != nil {
		return err
	}
	if err := checkNothingLost(name, len(st.Images), len(jobs), o.Force); err != nil {
		return err
	}
	if u, ok := s.(UnlockingStore); ok && u.UnlockBeforeDelete() {
		lock.Unlock()
	}
	return s.DeleteWorkspace(ctx, name)
}
