package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

type workspaceSelectOptions struct {
	orCreate bool
}

type workspaceDeleteOptions struct {
	force bool
	lock  lockOptions
}

func workspaceCommand() *command {
	var sel workspaceSelectOptions
	var del workspaceDeleteOptions
	return &command{
		Name:  "workspace",
		Short: "Manage workspaces: one state each",
		Long:  planview.CommandHelp("workspace"),
		Sub: []*command{
			{
				Name:  "list",
				Short: "List the workspaces, the selected one marked with *",
				Run: func(ctx context.Context, e *env, args []string) error {
					return runWorkspaceList(ctx, e)
				},
			},
			{
				Name:  "show",
				Short: "Print the name of the selected workspace",
				Run: func(ctx context.Context, e *env, args []string) error {
					ws, err := workspaceName(e)
					if err != nil {
						return err
					}
					_, err = fmt.Fprintln(e.stdout, ws)
					return err
				},
			},
			{
				Name:  "new",
				Args:  "NAME",
				Short: "Create a workspace and select it",
				NArgs: cli.Exactly(1),
				Run: func(ctx context.Context, e *env, args []string) error {
					return runWorkspaceNew(ctx, e, args[0])
				},
			},
			{
				Name:  "select",
				Args:  "NAME",
				Short: "Select a workspace (recorded in .imgform/environment)",
				NArgs: cli.Exactly(1),
				Flags: func(fs *pflag.FlagSet) {
					fs.BoolVar(&sel.orCreate, "or-create", false, "create the workspace when there is none of that name")
				},
				Run: func(ctx context.Context, e *env, args []string) error {
					return runWorkspaceSelect(ctx, e, args[0], sel)
				},
			},
			{
				Name:  "delete",
				Args:  "NAME",
				Short: "Delete a workspace and its state",
				Long:  planview.CommandHelp("workspace delete"),
				NArgs: cli.Exactly(1),
				Flags: func(fs *pflag.FlagSet) {
					fs.BoolVar(&del.force, "force", false, "delete the workspace even when its state records images or its journal holds jobs")
					del.lock.AddFlags(fs, false)
				},
				Run: func(ctx context.Context, e *env, args []string) error {
					return runWorkspaceDelete(ctx, e, args[0], del)
				},
			},
		},
	}
}

func runWorkspaceList(ctx context.Context, e *env) error {
	settings, err := workspace.LoadSettings()
	if err != nil {
		return err
	}
	current, err := workspaceName(e)
	if err != nil {
		return err
	}
	names, err := state.ListWorkspaces(ctx, openStore(e, settings), current)
	if err != nil {
		return err
	}
	return planview.WriteWorkspaces(e.stdout, names, current)
}

func runWorkspaceNew(ctx context.Context, e *env, name string) error {
	if err := state.CheckWorkspaceName(name); err != nil {
		return err
	}
	settings, err := workspace.LoadSettings()
	if err != nil {
		return err
	}
	if err := state.NewWorkspace(ctx, openStore(e, settings), name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Created the workspace %q.\n", name)
	return selectWorkspace(e, name)
}

func runWorkspaceSelect(ctx context.Context, e *env, name string, o workspaceSelectOptions) error {
	if err := state.CheckWorkspaceName(name); err != nil {
		return err
	}
	settings, err := workspace.LoadSettings()
	if err != nil {
		return err
	}
	created, err := state.FindWorkspace(ctx, openStore(e, settings), name, o.orCreate)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(e.stdout, "Created the workspace %q.\n", name)
	}
	return selectWorkspace(e, name)
}

// selectWorkspace records name in .imgform/environment.
func selectWorkspace(e *env, name string) error {
	if err := atomicfile.WriteGitignore(spec.StateDirName, "imgform's own files"); err != nil {
		return err
	}
	if err := state.SelectWorkspace(environmentFile, name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Switched to the workspace %q.\n", name)
	if env := e.getenv(EnvWorkspace); env != "" && env != name {
		fmt.Fprintf(e.stderr, "Note: %s=%s is set, and selects that workspace as long as it is.\n", EnvWorkspace, env)
	}
	return nil
}

func runWorkspaceDelete(ctx context.Context, e *env, name string, o workspaceDeleteOptions) error {
	if err := state.CheckDeletable(name); err != nil {
		return err
	}
	current, err := workspaceName(e)
	if err != nil {
		return err
	}
	settings, err := workspace.LoadSettings()
	if err != nil {
		return err
	}
	if err := state.DeleteWorkspace(ctx, openStore(e, settings), name, state.DeleteOptions{Current: current, Force: o.force, LockTimeout: o.lock.timeout}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Deleted the workspace %q.\n", name)
	return nil
}
