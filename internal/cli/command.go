package cli

import (
	"context"

	"github.com/spf13/pflag"
)

// Command is one command of a tree (or one subcommand of a group). E is
// what a command runs with: its streams, environment and global flags.
type Command[E any] struct {
	Name  string
	Args  string // what follows the flags in the usage line
	Short string // one line for the command list
	Long  string // the help text
	// Flags binds the command's options to its flag set; nil for none.
	Flags func(fs *pflag.FlagSet)
	// Run does the work; args are what is left after the flags. A group
	// of subcommands has none.
	Run func(ctx context.Context, e E, args []string) error
	// NArgs checks the number of arguments; nil accepts none.
	NArgs func(n int) bool
	Sub   []*Command[E]
	// NoGlobals: the command takes none of the global flags (version).
	NoGlobals bool
	// Graceful: the first interrupt only closes Interrupts.First; the
	// second cancels the context (apply finishes the images in flight).
	Graceful bool
}

// Exactly accepts k arguments.
func Exactly(k int) func(int) bool { return func(n int) bool { return n == k } }

// AtMost accepts up to k arguments.
func AtMost(k int) func(int) bool { return func(n int) bool { return n <= k } }

// AtLeast accepts k arguments or more.
func AtLeast(k int) func(int) bool { return func(n int) bool { return n >= k } }

// find returns the command of cmds named name, or nil.
func find[E any](cmds []*Command[E], name string) *Command[E] {
	for _, c := range cmds {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// names lists the commands' names, in order.
func names[E any](cmds []*Command[E]) []string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.Name
	}
	return names
}

// ownFlags is a command's own flag set, without the global flags.
func ownFlags[E any](cmd *Command[E], name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	return fs
}
