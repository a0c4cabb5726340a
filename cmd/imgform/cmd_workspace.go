package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/atomicfile"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
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
		Long: `A workspace is one state of the same configuration, as Terraform's (staging
and production, say). The selected one is IMGFORM_WORKSPACE when it is set,
else the one imgform workspace select recorded in .imgform/environment, else
"default". With the state file, the default workspace's state is
imgform.state.json and the others' are under imgform.state.d/NAME/; with the
pg backend, each is a row of the schema.`,
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
				Long: `Delete a workspace: its state and its job journal. Not the default one,
nor the selected one. A workspace whose state records images, or whose
journal holds jobs that were paid for and not collected, is deleted only
with --force (its images' files stay where they are).`,
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

// workspaces lists the workspaces where the configuration keeps its
// state: "default" and every other one that has been created.
func workspaces(ctx context.Context, e *env, settings *spec.Settings) ([]string, error) {
	return openStore(e, settings).Workspaces(ctx)
}

func runWorkspaceList(ctx context.Context, e *env) error {
	settings, err := loadSettings(e)
	if err != nil {
		return err
	}
	current, err := workspaceName(e)
	if err != nil {
		return err
	}
	names, err := workspaces(ctx, e, settings)
	if err != nil {
		return err
	}
	if !slices.Contains(names, current) {
		names = append(names, current) // IMGFORM_WORKSPACE names one nothing was stored in yet
		slices.Sort(names)
	}
	for _, n := range names {
		mark := " "
		if n == current {
			mark = "*"
		}
		fmt.Fprintf(e.stdout, "%s %s\n", mark, n)
	}
	return nil
}

// checkWorkspaceName refuses a name that is not one.
func checkWorkspaceName(name string) error {
	if !state.ValidWorkspaceName(name) {
		return &cli.UsageError{Msg: fmt.Sprintf("%q is not a workspace name: %s", name, workspaceNameRule)}
	}
	return nil
}

func runWorkspaceNew(ctx context.Context, e *env, name string) error {
	if err := checkWorkspaceName(name); err != nil {
		return err
	}
	settings, err := loadSettings(e)
	if err != nil {
		return err
	}
	names, err := workspaces(ctx, e, settings)
	if err != nil {
		return err
	}
	if slices.Contains(names, name) {
		return fmt.Errorf("the workspace %q exists already; select it with imgform workspace select %s", name, name)
	}
	if err := createWorkspace(ctx, e, settings, name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Created the workspace %q.\n", name)
	return selectWorkspace(e, name)
}

// createWorkspace makes a workspace exist: with the state file, its
// folder; in a shared backend, an empty state of its own.
func createWorkspace(ctx context.Context, e *env, settings *spec.Settings, name string) error {
	return openStore(e, settings).CreateWorkspace(ctx, name)
}

// selectWorkspace records name in .imgform/environment.
func selectWorkspace(e *env, name string) error {
	if err := atomicfile.WriteGitignore(spec.StateDirName, "imgform's own files"); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(environmentFile, []byte(name+"\n"), 0o644); err != nil {
		return fmt.Errorf("selecting the workspace: %w", err)
	}
	fmt.Fprintf(e.stdout, "Switched to the workspace %q.\n", name)
	if env := e.getenv(EnvWorkspace); env != "" && env != name {
		fmt.Fprintf(e.stderr, "Note: %s=%s is set, and selects that workspace as long as it is.\n", EnvWorkspace, env)
	}
	return nil
}

func runWorkspaceSelect(ctx context.Context, e *env, name string, o workspaceSelectOptions) error {
	if err := checkWorkspaceName(name); err != nil {
		return err
	}
	settings, err := loadSettings(e)
	if err != nil {
		return err
	}
	names, err := workspaces(ctx, e, settings)
	if err != nil {
		return err
	}
	if !slices.Contains(names, name) {
		if !o.orCreate {
			return fmt.Errorf("there is no workspace %q; create it with imgform workspace new %s (the workspaces: %v)", name, name, names)
		}
		if err := createWorkspace(ctx, e, settings, name); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Created the workspace %q.\n", name)
	}
	return selectWorkspace(e, name)
}

func runWorkspaceDelete(ctx context.Context, e *env, name string, o workspaceDeleteOptions) error {
	if err := checkWorkspaceName(name); err != nil {
		return err
	}
	if name == DefaultWorkspace {
		return errors.New("the default workspace cannot be deleted")
	}
	current, err := workspaceName(e)
	if err != nil {
		return err
	}
	if name == current {
		return fmt.Errorf("the workspace %q is the selected one; select another before deleting it", name)
	}
	settings, err := loadSettings(e)
	if err != nil {
		return err
	}
	names, err := workspaces(ctx, e, settings)
	if err != nil {
		return err
	}
	if !slices.Contains(names, name) {
		return fmt.Errorf("there is no workspace %q", name)
	}
	b, err := openWorkspaceBackend(ctx, e, settings, name, backendOptions{ignoreLocalState: true})
	if err != nil {
		return err
	}
	defer b.Close()
	lock, err := b.Lock(ctx, state.LockOptions{Operation: "workspace delete", Timeout: o.lock.timeout})
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
	if !o.force && (len(st.Images) > 0 || len(jobs) > 0) {
		return fmt.Errorf("the workspace %q records %d %s and its journal holds %d paid %s not collected yet: deleting it forgets them (their files stay). Run imgform workspace delete --force %s to delete it anyway",
			name, len(st.Images), pluralWord(len(st.Images), "image", "images"), len(jobs), pluralWord(len(jobs), "job", "jobs"), name)
	}
	// A state file's lock file is in the workspace's folder: it goes
	// with it, and the lock with the process's handle on it. Windows
	// removes no file that is open: there the lock is let go first.
	if settings.Backend == nil && runtime.GOOS == "windows" {
		lock.Unlock()
	}
	if err := openStore(e, settings).DeleteWorkspace(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Deleted the workspace %q.\n", name)
	return nil
}
