package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/imgform/imgform/internal/atomicfile"
)

// DefaultWorkspace is the workspace every store has, and the one a
// configuration uses when none is selected.
const DefaultWorkspace = "default"

// workspaceName is what a workspace may be called: a folder name on
// every system, and a row key.
var workspaceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidWorkspaceName reports a name a workspace may have: letters,
// digits, '.', '_' and '-', starting with a letter or digit, at most 64.
func ValidWorkspaceName(ws string) bool { return workspaceName.MatchString(ws) }

// workspaceNameRule says what a workspace name is, for messages.
const workspaceNameRule = "1 to 64 letters, digits, '_', '.' and '-', starting with a letter or digit"

// CheckWorkspaceName refuses a name that is not one.
func CheckWorkspaceName(name string) error {
	if !ValidWorkspaceName(name) {
		return fmt.Errorf("%q is not a workspace name: %s", name, workspaceNameRule)
	}
	return nil
}

// SelectedWorkspace is the workspace a checkout works in: the one the
// variable envName sets (envValue, when not ""), else the one recorded
// in file (written by SelectWorkspace), else DefaultWorkspace.
func SelectedWorkspace(envName, envValue, file string) (string, error) {
	if envValue != "" {
		if !ValidWorkspaceName(envValue) {
			return "", fmt.Errorf("%s=%q is not a workspace name: %s", envName, envValue, workspaceNameRule)
		}
		return envValue, nil
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultWorkspace, nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the selected workspace: %w", err)
	}
	ws := strings.TrimSpace(string(data))
	if !ValidWorkspaceName(ws) {
		return "", fmt.Errorf("%s names %q, which is not a workspace name (%s); select one with imgform workspace select NAME", file, ws, workspaceNameRule)
	}
	return ws, nil
}

// SelectWorkspace records name in file as the checkout's workspace.
func SelectWorkspace(file, name string) error {
	if err := atomicfile.WriteFile(file, []byte(name+"\n"), 0o644); err != nil {
		return fmt.Errorf("selecting the workspace: %w", err)
	}
	return nil
}

// checkNothingLost refuses to delete the workspace name, whose state
// records images and whose journal holds jobs (paid, not collected),
// unless force: deleting it would forget them.
func checkNothingLost(name string, images, jobs int, force bool) error {
	if force || images == 0 && jobs == 0 {
		return nil
	}
	return fmt.Errorf("the workspace %q records %d %s and its journal holds %d paid %s not collected yet: deleting it forgets them (their files stay). Run imgform workspace delete --force %s to delete it anyway",
		name, images, plural(images, "image", "images"), jobs, plural(jobs, "job", "jobs"), name)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
