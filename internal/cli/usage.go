package cli

// UsageError is a mistake in how the program was called.
type UsageError struct {
	Msg  string
	Path string // the command, for "see imgform help X"; "" for none
}

func (e *UsageError) Error() string { return e.Msg }

// HelpShown ends a run whose help was written: Code is its exit code (0
// when help was asked for, 1 for a group of subcommands called bare).
type HelpShown struct{ Code int }

func (e *HelpShown) Error() string { return "help shown" }
