// Package cli is imgform's command-line framework, and knows nothing of
// images: a tree of commands with their flags (spf13/pflag), the command
// line read as Terraform's is (one-dash long flags, global flags before
// or after the command name), the help texts, the did-you-mean of a
// mistyped command, shell completion driven by the tree, the interrupts
// a command sees (Ctrl-C, SIGTERM) and the yes-or-no prompt.
//
// cmd/imgform declares the commands and runs them; this package only
// reads the command line and the terminal: cli imports nothing of imgform.
package cli
