package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// WriteTopHelp writes the program's help: its usage, summary, commands,
// the flags of top (the global ones, and those only the program takes)
// and the footer.
func (t *Tree[E]) WriteTopHelp(w io.Writer, top *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s [global flags] COMMAND [flags] [args]\n\n%s\n\nCommands:\n", t.Program, t.Summary)
	for _, c := range t.Commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.Name, c.Short)
	}
	fmt.Fprintf(w, "\nGlobal flags (also accepted after the command name):\n%s\n%s\n\nRun '%s help COMMAND' for a command's flags.\n",
		top.FlagUsages(), t.Footer, t.Program)
}

// writeCommandHelp writes a command's help; name is its path.
func (t *Tree[E]) writeCommandHelp(w io.Writer, cmd *Command[E], name string) {
	usage := t.Program + " " + name
	if cmd.Flags != nil || !cmd.NoGlobals {
		usage += " [flags]"
	}
	if cmd.Args != "" {
		usage += " " + cmd.Args
	}
	if len(cmd.Sub) > 0 {
		usage += " SUBCOMMAND"
	}
	text := cmd.Long
	if text == "" {
		text = cmd.Short
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", usage, strings.TrimSpace(text))
	if len(cmd.Sub) > 0 {
		fmt.Fprintf(w, "\nSubcommands:\n")
		for _, s := range cmd.Sub {
			fmt.Fprintf(w, "  %-14s %s\n", s.Name, s.Short)
		}
	}
	if cmd.Run == nil {
		return
	}
	if cmd.Flags != nil {
		fmt.Fprintf(w, "\nFlags:\n%s", ownFlags(cmd, name).FlagUsages())
	}
	if !cmd.NoGlobals {
		global := pflag.NewFlagSet("global", pflag.ContinueOnError)
		t.Globals(global)
		fmt.Fprintf(w, "\nGlobal flags:\n%s", global.FlagUsages())
	}
}

// Help is "PROGRAM help [COMMAND [SUBCOMMAND]]": it writes the help
// asked for to w.
func (t *Tree[E]) Help(w io.Writer, top *pflag.FlagSet, args []string) error {
	if len(args) == 0 {
		t.WriteTopHelp(w, top)
		return nil
	}
	var cmd *Command[E]
	list := t.Commands
	var path []string
	for _, a := range args {
		cmd = find(list, a)
		if cmd == nil {
			return &UsageError{Msg: fmt.Sprintf("%q is not an %s command%s", strings.Join(append(path, a), " "), t.Program, t.suggest(list, a))}
		}
		path = append(path, a)
		list = cmd.Sub
	}
	t.writeCommandHelp(w, cmd, strings.Join(path, " "))
	return nil
}
