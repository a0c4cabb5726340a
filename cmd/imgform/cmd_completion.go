package main

import (
	"context"
	_ "embed"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/imgform/imgform/internal/cli"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/workspace"
)

// Shell completion. The scripts are thin: each asks the binary itself
// (imgform __complete WORD... CURRENT) for the candidates, so that the
// commands, flags and addresses they offer are always the binary's own,
// and the logic is written, and tested, once.

//go:embed completion/imgform.bash
var bashCompletion string

//go:embed completion/imgform.zsh
var zshCompletion string

//go:embed completion/imgform.fish
var fishCompletion string

//go:embed completion/imgform.ps1
var powershellCompletion string

var completionScripts = map[string]string{
	"bash":       bashCompletion,
	"zsh":        zshCompletion,
	"fish":       fishCompletion,
	"powershell": powershellCompletion,
}

func completionCommand() *command {
	return &command{
		Name:      "completion",
		Args:      "bash|zsh|fish|powershell",
		Short:     "Print the shell completion script for bash, zsh, fish or PowerShell",
		Long:      planview.CommandHelp("completion"),
		NArgs:     cli.Exactly(1),
		NoGlobals: true,
		Run: func(ctx context.Context, e *env, args []string) error {
			script, ok := completionScripts[args[0]]
			if !ok {
				return &cli.UsageError{Msg: fmt.Sprintf("imgform completion %s: the shells are bash, zsh, fish and powershell", args[0]), Path: "completion"}
			}
			_, err := fmt.Fprint(e.stdout, script)
			return err
		},
	}
}

// completeCommand is the hidden command the scripts call: imgform
// __complete WORD... CURRENT prints, one a line, the candidates for
// CURRENT (the word being typed, "" for a new one) after the WORDs before
// it. It prints nothing on any error, and prints nothing at all when the
// shell should complete file names instead.
const completeCommand = "__complete"

func runComplete(e *env, tree *cli.Tree[*env], words []string) int {
	if len(words) == 0 {
		words = []string{""}
	}
	complete := cli.Completer{
		DirFlag:  "chdir",
		TopFlags: []string{"--version", "--help"},
		FlagValue: func(flag, dir string) []string {
			switch flag {
			case "target", "replace":
				return addresses(e, dir)
			case "cache":
				return []string{cacheLocal}
			}
			return nil // a file, a directory, a value: the shell's own completion
		},
		Arg: func(path string, n int, dir string) []string {
			switch {
			case takesAddress(path, n):
				return addresses(e, dir)
			case path == "completion" && n == 0:
				return slices.Sorted(maps.Keys(completionScripts))
			}
			return nil
		},
	}
	for _, c := range tree.Complete(words[:len(words)-1], words[len(words)-1], complete) {
		fmt.Fprintln(e.stdout, c)
	}
	return exitOK
}

// takesAddress reports whether the positional argument number n (from
// 0) of the command at path is an image address.
func takesAddress(path string, n int) bool {
	switch path {
	case "show", "output", "state show", "state rm", "state mv":
		return true
	case "import", "pick":
		return n == 0
	}
	return false
}

// addresses lists the image addresses of the configuration in dir (or
// the working directory) and of its local state (see
// workspace.Addresses).
func addresses(e *env, dir string) []string {
	if dir != "" {
		if err := os.Chdir(dir); err != nil {
			return nil
		}
	}
	return workspace.Addresses(context.Background(), e.wiring())
}
