package cli

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// Completer is what only the program knows of its completion.
type Completer struct {
	// DirFlag is the global flag that names the directory to switch to
	// first (-C, --chdir): the values below are read from there.
	DirFlag string
	// TopFlags are what may follow the program's name besides the global
	// flags ("--version", "--help").
	TopFlags []string
	// FlagValue returns the candidates for the value of the flag named
	// flag, read in dir; nil leaves it to the shell (a file, a value).
	FlagValue func(flag, dir string) []string
	// Arg returns the candidates for the positional argument n (from 0)
	// of the command at path ("state mv"), read in dir; nil leaves it to
	// the shell.
	Arg func(path string, n int, dir string) []string
}

// Complete returns the candidates for cur, the word being typed ("" for
// a new one), after the words before it. Nothing is run: the words are
// read against the tree, and what cannot be read gives no candidates.
func (t *Tree[E]) Complete(before []string, cur string, c Completer) []string {
	global := pflag.NewFlagSet("global", pflag.ContinueOnError)
	t.Globals(global)
	var (
		cmd     *Command[E]
		path    []string
		local   *pflag.FlagSet
		args    int  // positional arguments after the command
		isHelp  bool // PROGRAM help COMMAND
		dir     string
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
				if f != nil && f.Name == c.DirFlag && hasValue {
					dir = value
				}
				continue
			}
			if i+1 < len(before) {
				if f.Name == c.DirFlag {
					dir = before[i+1]
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
			if cmd = find(t.Commands, w); cmd == nil {
				return nil
			}
			path = []string{w}
			local = sortedFlags(cmd, w)
		case len(cmd.Sub) > 0:
			sub := find(cmd.Sub, w)
			if sub == nil {
				return nil
			}
			cmd = sub
			path = append(path, w)
			local = sortedFlags(cmd, w)
		default:
			args++
		}
	}
	if valueOf != "" {
		return matching(c.FlagValue(valueOf, dir), cur)
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
		if cmd == nil || !cmd.NoGlobals {
			add(global)
		}
		if cmd == nil {
			names = append(names, c.TopFlags...)
		}
		return matching(names, cur)
	}
	switch {
	case isHelp:
		list := t.Commands
		for _, p := range path {
			c := find(list, p)
			if c == nil {
				return nil
			}
			list = c.Sub
		}
		return matching(names(list), cur)
	case cmd == nil:
		return matching(append(names(t.Commands), "help"), cur)
	case len(cmd.Sub) > 0 && cmd.Run == nil:
		return matching(names(cmd.Sub), cur)
	}
	return matching(c.Arg(strings.Join(path, " "), args, dir), cur)
}

// sortedFlags is a command's own flag set, its flags offered in
// alphabetical order.
func sortedFlags[E any](cmd *Command[E], name string) *pflag.FlagSet {
	fs := ownFlags(cmd, name)
	fs.SortFlags = true
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
