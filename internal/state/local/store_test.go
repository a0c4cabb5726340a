package local

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The store lists, creates and deletes workspaces as folders beside the
// default state file, and never removes the configuration's own folder.
func TestStoreWorkspaces(t *testing.T) {
	dir := t.TempDir()
	s := NewStore(filepath.Join(dir, "imgform.state.json"))
	ctx := t.Context()
	if got, err := s.Workspaces(ctx); err != nil || !slices.Equal(got, []string{"default"}) {
		t.Fatalf("Workspaces of a new store: %v, %v", got, err)
	}
	for _, ws := range []string{"staging", "prod"} {
		if err := s.CreateWorkspace(ctx, ws); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Workspaces(ctx); !slices.Equal(got, []string{"default", "prod", "staging"}) {
		t.Fatalf("Workspaces: %v", got)
	}
	if got, want := s.Path("prod"), filepath.Join(dir, WorkspacesDir, "prod", "imgform.state.json"); got != want {
		t.Errorf("Path(prod) = %s, want %s", got, want)
	}
	if err := s.DeleteWorkspace(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, WorkspacesDir, "prod")); !os.IsNotExist(err) {
		t.Errorf("the deleted workspace's folder is still there: %v", err)
	}
	for _, ws := range []string{"default", "../x", "", ".hidden", "a/b"} {
		if err := s.DeleteWorkspace(ctx, ws); err == nil {
			t.Errorf("DeleteWorkspace(%q) succeeded", ws)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the configuration's folder is gone: %v", err)
	}
}
