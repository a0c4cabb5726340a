package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/spf13/pflag"
)

// Tree is a program's commands.
type Tree[E any] struct {
	Program  string // its name, as people type it
	Summary  string // what it is, at the top of its help
	Footer   string // after the global flags in its help: exit codes, environment
	Commands []*Command[E]
	// Globals adds the flags every command takes (but NoGlobals ones) to
	// a flag set; for help and completion, whose values are thrown away.
	Globals func(fs *pflag.FlagSet)
}

// Invocation is a command line resolved against the tree: the command,
// its path ("state mv"), its parsed flags and its arguments.
type Invocation[E any] struct {
	Command *Command[E]
	Path    string
	Flags   *pflag.FlagSet
	Args    []string
	program string
}

// Resolve finds the command that args (what follows the global flags:
// the command's name first) call, and parses its flags (CheckArgs checks
// the arguments), the global ones
// bound by globals (set there when given after the command name). Help
// asked for is written to stdout (a *HelpShown error with code 0); a
// group of subcommands called bare writes its help to stderr (code 1).
func (t *Tree[E]) Resolve(args []string, globals func(fs *pflag.FlagSet), stdout, stderr io.Writer) (*Invocation[E], error) {
	var path []string
	cmd := find(t.Commands, args[0])
	rest := args[1:]
	for cmd != nil {
		path = append(path, cmd.Name)
		if len(cmd.Sub) == 0 || len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			break
		}
		next := find(cmd.Sub, rest[0])
		if next == nil {
			name := strings.Join(path, " ")
			return nil, &UsageError{Msg: fmt.Sprintf("%s %s has no subcommand %q", t.Program, name, rest[0]), Path: name}
		}
		cmd, rest = next, rest[1:]
	}
	if cmd == nil {
		typed := args[len(args)-len(rest)-1]
		return nil, &UsageError{Msg: fmt.Sprintf("%q is not an %s command%s", typed, t.Program, t.suggest(t.Commands, typed))}
	}
	name := strings.Join(path, " ")
	if cmd.Run == nil {
		// A command that only groups subcommands: asked for help, it gives
		// it; called bare, it says what is missing.
		if len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "help") {
			t.writeCommandHelp(stdout, cmd, name)
			return nil, &HelpShown{Code: 0}
		}
		t.writeCommandHelp(stderr, cmd, name)
		return nil, &HelpShown{Code: 1}
	}
	fs := pflag.NewFlagSet(t.Program+" "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	if !cmd.NoGlobals {
		globals(fs)
	}
	if err := fs.Parse(TerraformFlags(rest, fs, true)); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			t.writeCommandHelp(stdout, cmd, name)
			return nil, &HelpShown{Code: 0}
		}
		return nil, &UsageError{Msg: err.Error(), Path: name}
	}
	return &Invocation[E]{Command: cmd, Path: name, Flags: fs, Args: fs.Args(), program: t.Program}, nil
}

// CheckArgs refuses a number of arguments the command does not take; the
// caller checks its own flags first.
func (inv *Invocation[E]) CheckArgs() error {
	nargs := inv.Command.NArgs
	if nargs == nil {
		nargs = Exactly(0)
	}
	if !nargs(len(inv.Args)) {
		return &UsageError{Msg: fmt.Sprintf("wrong number of arguments for %s %s; usage: %s %s [flags] %s", inv.program, inv.Path, inv.program, inv.Path, inv.Command.Args), Path: inv.Path}
	}
	return nil
}

// suggest says which command a mistyped name most likely meant: one it
// starts, or one within two edits of it.
func (t *Tree[E]) suggest(cmds []*Command[E], name string) string {
	best, bestDist := "", 3
	for _, c := range cmds {
		if len(name) >= 2 && (strings.HasPrefix(c.Name, name) || strings.HasPrefix(name, c.Name)) {
			return fmt.Sprintf(". Did you mean %q?", c.Name)
		}
		if d := levenshtein.Distance(name, c.Name, nil); d < bestDist {
			best, bestDist = c.Name, d
		}
	}
	if best != "" {
		return fmt.Sprintf(". Did you mean %q?", best)
	}
	return "; run " + t.Program + " help for the list"
}

// TerraformFlags lets a flag be written with one dash, as Terraform's
// are (-input=false, -auto-approve, -chdir=DIR): an argument -NAME or
// -NAME=VALUE whose NAME, longer than one letter, is a long flag of fs
// is read as --NAME. Shorthand flags (-C, -v) are left as they are, and
// so is everything after "--". When interspersed is false (the flags
// before the command name), the first argument that is not a flag ends
// them.
func TerraformFlags(args []string, fs *pflag.FlagSet, interspersed bool) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i, a := range out {
		switch {
		case a == "--":
			return out
		case !strings.HasPrefix(a, "-"):
			if !interspersed {
				return out
			}
			continue
		case strings.HasPrefix(a, "--"):
			continue
		}
		name, _, _ := strings.Cut(a[1:], "=")
		if len(name) > 1 && fs.Lookup(name) != nil {
			out[i] = "-" + a
		}
	}
	return out
}
