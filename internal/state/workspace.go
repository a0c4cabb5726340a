package state

import "regexp"

// DefaultWorkspace is the workspace every store has, and the one a
// configuration uses when none is selected.
const DefaultWorkspace = "default"

// workspaceName is what a workspace may be called: a folder name on
// every system, and a row key.
var workspaceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidWorkspaceName reports a name a workspace may have: letters,
// digits, '.', '_' and '-', starting with a letter or digit, at most 64.
func ValidWorkspaceName(ws string) bool { return workspaceName.MatchString(ws) }
