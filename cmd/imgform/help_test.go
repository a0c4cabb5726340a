package main

import (
	"slices"
	"testing"

	planview "github.com/imgform/imgform/internal/view"
)

// Every help text view keeps is a command's, and every command that has
// one shows it: a text under a mistyped path would never be printed.
func TestEveryHelpTextIsACommand(t *testing.T) {
	var paths []string
	var walk func(prefix string, cmds []*command)
	walk = func(prefix string, cmds []*command) {
		for _, c := range cmds {
			path := prefix + c.Name
			paths = append(paths, path)
			if text := planview.CommandHelp(path); text != "" && c.Long != text {
				t.Errorf("imgform %s does not show its help text", path)
			}
			walk(path+" ", c.Sub)
		}
	}
	walk("", program().Commands)
	for _, p := range planview.HelpPaths() {
		if !slices.Contains(paths, p) {
			t.Errorf("view has a help text for %q, which is no command", p)
		}
	}
	if len(planview.HelpPaths()) < 20 {
		t.Errorf("only %d help texts", len(planview.HelpPaths()))
	}
}
