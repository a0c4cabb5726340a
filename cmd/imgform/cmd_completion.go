package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/spec"
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
		name:  "completion",
		args:  "bash|zsh|fish|powershell",
		short: "Print the shell completion script for bash, zsh, fish or PowerShell",
		long: `Print a script that completes imgform's commands, flags and image
addresses (of the configuration and the local state) in the shell. Load it
in the current shell, or install it for every new one:

  bash        source <(imgform completion bash)
              imgform completion bash > ~/.local/share/bash-completion/completions/imgform
  zsh         source <(imgform completion zsh)      (after compinit)
              imgform completion zsh > "${fpath[1]}/_imgform"
  fish        imgform completion fish > ~/.config/fish/completions/imgform.fish
  PowerShell  imgform completion powershell | Out-String | Invoke-Expression
              (add that line to $PROFILE to keep it)

The script asks imgform itself for the candidates as you type, so they
stay those of the installed binary.`,
		nargs:     exactly(1),
		noGlobals: true,
		run: func(ctx context.Context, e *env, args []string) error {
			script, ok := completionScripts[args[0]]
			if !ok {
				return &usageError{msg: fmt.Sprintf("imgform completion %s: the shells are bash, zsh, fish and powershell", args[0]), path: "completion"}
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

func runComplete(e *env, words []string) int {
	if len(words) == 0 {
		words = []string{""}
	}
	for _, c := range completions(e, words[:len(words)-1], words[len(words)-1]) {
		fmt.Fprintln(e.stdout, c)
	}
	return exitOK
}

// completions returns the candidates for cur after the words before it.
func completions(e *env, before []string, cur string) []string {
	cmds := commands()
	var g globals
	global := pflag.NewFlagSet("global", pflag.ContinueOnError)
	g.AddFlags(global)

	var (
		cmd     *command
		path    []string
		local   *pflag.FlagSet
		args    int  // positional arguments after the command
		isHelp  bool // imgform help COMMAND
		chdir   string
		valueOf string // the flag whose value cur is, when it is one
	)
	flagSet := func() *pflag.FlagSet {
		if local != nil {
			return local
		}
		return global
	}
	for i := 0; i < len(before); i++ {
		w := before[i]
		switch {
		case w == "--":
			continue
		case strings.HasPrefix(w, "-") && len(w) > 1:
			name, value, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
			f := lookupFlag(flagSet(), name)
			if f == nil && local != nil {
				f = lookupFlag(global, name)
			}
			if f == nil || f.Value.Type() == "bool" || f.NoOptDefVal != "" || hasValue {
				if f != nil && (f.Name == "chdir") && hasValue {
					chdir = value
				}
				continue
			}
			if i+1 < len(before) {
				if f.Name == "chdir" {
					chdir = before[i+1]
				}
				i++ // its value
				continue
			}
			valueOf = f.Name
		case isHelp:
			path = append(path, w)
		case cmd == nil && w == "help":
			isHelp = true
		case cmd == nil:
			cmd = findCommand(cmds, w)
			if cmd == nil {
				return nil
			}
			path = []string{w}
			local = commandFlags(cmd)
		case len(cmd.sub) > 0:
			sub := findCommand(cmd.sub, w)
			if sub == nil {
				return nil
			}
			cmd = sub
			path = append(path, w)
			local = commandFlags(cmd)
		default:
			args++
		}
	}
	if valueOf != "" {
		if valueOf == "target" || valueOf == "replace" {
			return matching(addresses(e, chdir), cur)
		}
		if valueOf == "cache" {
			return matching([]string{cacheLocal}, cur)
		}
		return nil // a file, a directory, a value: the shell's own completion
	}
	if strings.HasPrefix(cur, "-") {
		var names []string
		add := func(fs *pflag.FlagSet) {
			fs.VisitAll(func(f *pflag.Flag) {
				if !f.Hidden && !slices.Contains(names, "--"+f.Name) {
					names = append(names, "--"+f.Name)
				}
			})
		}
		if local != nil {
			add(local)
		}
		if cmd == nil || !cmd.noGlobals {
			add(global)
		}
		if cmd == nil {
			names = append(names, "--version", "--help")
		}
		return matching(names, cur)
	}
	switch {
	case isHelp:
		list := cmds
		for _, p := range path {
			c := findCommand(list, p)
			if c == nil {
				return nil
			}
			list = c.sub
		}
		return matching(commandNames(list), cur)
	case cmd == nil:
		return matching(append(commandNames(cmds), "help"), cur)
	case len(cmd.sub) > 0 && cmd.run == nil:
		return matching(commandNames(cmd.sub), cur)
	}
	if takesAddress(strings.Join(path, " "), args) {
		return matching(addresses(e, chdir), cur)
	}
	if cmd.name == "completion" && args == 0 {
		return matching(slices.Sorted(maps.Keys(completionScripts)), cur)
	}
	return nil
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

func commandFlags(cmd *command) *pflag.FlagSet {
	fs := pflag.NewFlagSet(cmd.name, pflag.ContinueOnError)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	return fs
}

// lookupFlag finds a flag by its name or, for one letter, its shorthand.
func lookupFlag(fs *pflag.FlagSet, name string) *pflag.Flag {
	if f := fs.Lookup(name); f != nil {
		return f
	}
	if len(name) == 1 {
		return fs.ShorthandLookup(name)
	}
	return nil
}

func commandNames(cmds []*command) []string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	return names
}

// matching keeps the candidates that begin with cur, compared without
// the shell's quoting (image.icon\[\"a\"\] begins image.icon["a"]).
func matching(cands []string, cur string) []string {
	bare := unquoteWord(cur)
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(unquoteWord(c), bare) {
			out = append(out, c)
		}
	}
	return out
}

func unquoteWord(s string) string {
	return strings.NewReplacer(`\`, "", `'`, "", `"`, "").Replace(s)
}

// addresses lists the image addresses of the configuration in dir (or
// the working directory) and of its local state, with each block's own
// address (image.NAME), sorted. It is for completion: what cannot be read
// is left out, silently, and nothing is asked of a network backend.
func addresses(e *env, dir string) []string {
	if dir != "" {
		if err := os.Chdir(dir); err != nil {
			return nil
		}
	}
	seen := map[string]bool{}
	add := func(a string) {
		seen[a] = true
		if i := strings.IndexByte(a, '['); i > 0 {
			seen[a[:i]] = true
		}
	}
	cfg, _ := spec.Load(context.Background(), ".", spec.Options{Environ: e.environ()})
	if cfg != nil {
		for _, img := range cfg.Images {
			add(img.Addr.String())
		}
	}
	statePath := e.g.statePath
	if ws, err := workspaceName(e); err == nil {
		statePath = localStatePath(e, ws)
	}
	if data, err := os.ReadFile(statePath); err == nil {
		var st struct {
			Images map[string]json.RawMessage `json:"images"`
		}
		if json.Unmarshal(data, &st) == nil {
			for a := range st.Images {
				add(a)
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
