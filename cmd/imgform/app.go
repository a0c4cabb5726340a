package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/spf13/pflag"
)

// env is what a command runs with: its streams, its environment and the
// global flags. Tests build one with buffers in place of the streams.
type env struct {
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	environ func() []string
	signals func() (<-chan os.Signal, func())
	g       globals
	// interrupts is set while a command runs.
	interrupts *interrupts
	// log is the run's debug log (IMGFORM_LOG); it discards everything
	// unless asked, and before the command runs.
	log *slog.Logger
}

// logger is e.log, or one that discards everything.
func (e *env) logger() *slog.Logger {
	if e.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.log
}

func (e *env) getenv(key string) string {
	prefix := key + "="
	for _, kv := range e.environ() {
		if strings.HasPrefix(kv, prefix) {
			return kv[len(prefix):]
		}
	}
	return ""
}

// globals are the flags every command takes.
type globals struct {
	chdir     string
	statePath string
	noColor   bool
	vars      []string
	varFiles  []string
	cacheMode string
}

// DefaultStateFile is the state file's name beside the configuration.
const DefaultStateFile = "imgform.state.json"

func (g *globals) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&g.chdir, "chdir", "C", "", "switch to `DIR` before doing anything else; relative paths in other flags are read from there")
	fs.StringVar(&g.statePath, "state", DefaultStateFile, "path of the state `FILE`")
	fs.BoolVar(&g.noColor, "no-color", false, "never colour the output (it is coloured only on a terminal anyway)")
	fs.StringArrayVar(&g.vars, "var", nil, "set a variable, `NAME=VALUE`; repeatable, later wins")
	fs.StringArrayVar(&g.varFiles, "var-file", nil, "read variable values from an HCL `FILE`; repeatable, later wins")
	fs.StringVar(&g.cacheMode, "cache", cacheConfigured, "`local`: use this machine's cache only, not the shared cache the configuration names")
}

// merge takes the global flags given after the command name: values set
// there win, and repeatable ones are appended in order.
func (g *globals) merge(late *globals, fs *pflag.FlagSet) {
	if fs.Changed("chdir") {
		g.chdir = late.chdir
	}
	if fs.Changed("state") {
		g.statePath = late.statePath
	}
	if fs.Changed("cache") {
		g.cacheMode = late.cacheMode
	}
	g.noColor = g.noColor || late.noColor
	g.vars = append(g.vars, late.vars...)
	g.varFiles = append(g.varFiles, late.varFiles...)
}

// command is one imgform command (or one subcommand of state and cache).
type command struct {
	name  string
	args  string // what follows the flags in the usage line
	short string // one line for the command list
	long  string // the help text
	// flags binds the command's options to its flag set; nil for none.
	flags func(fs *pflag.FlagSet)
	// run does the work; args are what is left after the flags.
	run func(ctx context.Context, e *env, args []string) error
	// nargs checks the number of arguments; nil accepts none.
	nargs func(n int) bool
	sub   []*command
	// noGlobals: the command takes none of the global flags (version).
	noGlobals bool
	// graceful: the first interrupt only closes e.interrupts.first; the
	// second cancels the context (apply finishes the images in flight).
	graceful bool
}

func exactly(k int) func(int) bool { return func(n int) bool { return n == k } }
func atMost(k int) func(int) bool  { return func(n int) bool { return n <= k } }
func atLeast(k int) func(int) bool { return func(n int) bool { return n >= k } }

// commands returns the command table, built anew for every run so that
// option structs never carry over between runs in one process (tests).
func commands() []*command {
	return []*command{
		initCommand(),
		validateCommand(),
		fmtCommand(),
		planCommand(),
		applyCommand(),
		previewCommand(),
		showCommand(),
		outputCommand(),
		stateCommand(),
		workspaceCommand(),
		importCommand(),
		pickCommand(),
		forceUnlockCommand(),
		cacheCommand(),
		reviewCommand(),
		emulateCommand(),
		completionCommand(),
		versionCommand(),
	}
}

func findCommand(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError is a mistake in how imgform was called.
type usageError struct {
	msg  string
	path string // the command, for "see imgform help X"
}

func (e *usageError) Error() string { return e.msg }

// run parses the arguments, runs the command and returns the exit code.
func run(args []string, e *env) int {
	cmds := commands()
	top := pflag.NewFlagSet("imgform", pflag.ContinueOnError)
	top.SetInterspersed(false)
	top.SetOutput(io.Discard)
	e.g.AddFlags(top)
	var showVersion bool
	top.BoolVarP(&showVersion, "version", "v", false, "print the version and exit")
	if err := top.Parse(terraformFlags(args, top, false)); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			writeTopHelp(e.stdout, cmds, top)
			return exitOK
		}
		return report(e, &usageError{msg: err.Error()})
	}
	if showVersion {
		return report(e, runVersion(e, versionOptions{}))
	}
	rest := top.Args()
	if len(rest) == 0 {
		writeTopHelp(e.stderr, cmds, top)
		return exitError
	}
	if rest[0] == completeCommand {
		return runComplete(e, rest[1:])
	}
	if rest[0] == "help" {
		return report(e, runHelp(e, cmds, top, rest[1:]))
	}

	path := []string{}
	cmd := findCommand(cmds, rest[0])
	rest = rest[1:]
	for cmd != nil {
		path = append(path, cmd.name)
		if len(cmd.sub) == 0 || len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			break
		}
		next := findCommand(cmd.sub, rest[0])
		if next == nil {
			return report(e, &usageError{msg: fmt.Sprintf("imgform %s has no subcommand %q", strings.Join(path, " "), rest[0]), path: strings.Join(path, " ")})
		}
		cmd, rest = next, rest[1:]
	}
	if cmd == nil {
		return report(e, &usageError{msg: fmt.Sprintf("%q is not an imgform command%s", args[len(args)-len(rest)-1], suggestCommand(cmds, args[len(args)-len(rest)-1]))})
	}
	name := strings.Join(path, " ")
	if cmd.run == nil {
		// A command that only groups subcommands (state, cache): asked for
		// help, it gives it; called bare, it says what is missing.
		if len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "help") {
			writeCommandHelp(e.stdout, cmd, name)
			return exitOK
		}
		writeCommandHelp(e.stderr, cmd, name)
		return exitError
	}

	var late globals // global flags written after the command name
	fs := newCommandFlags(cmd, name, &late)
	if err := fs.Parse(terraformFlags(rest, fs, true)); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			writeCommandHelp(e.stdout, cmd, name)
			return exitOK
		}
		return report(e, &usageError{msg: err.Error(), path: name})
	}
	e.g.merge(&late, fs)
	if e.g.cacheMode != cacheConfigured && e.g.cacheMode != cacheLocal {
		return report(e, &usageError{msg: fmt.Sprintf("--cache %q: the only value is local (this machine's cache only)", e.g.cacheMode), path: name})
	}
	nargs := cmd.nargs
	if nargs == nil {
		nargs = exactly(0)
	}
	if !nargs(fs.NArg()) {
		return report(e, &usageError{msg: fmt.Sprintf("wrong number of arguments for imgform %s; usage: imgform %s [flags] %s", name, name, cmd.args), path: name})
	}
	log, closeLog, err := openLog(e)
	if err != nil {
		return report(e, err)
	}
	defer closeLog()
	e.log = log
	e.log.Debug("imgform started", "version", versionString(), "command", name)
	if e.g.chdir != "" {
		if err := os.Chdir(e.g.chdir); err != nil {
			return report(e, fmt.Errorf("switching to the directory given with -C: %w", err))
		}
	}
	ctx, in, stop := interruptContext(e, cmd.graceful)
	defer stop()
	e.interrupts = in
	return report(e, cmd.run(ctx, e, fs.Args()))
}

// newCommandFlags builds a command's flag set: its own flags, then the
// global ones, so that globals may also follow the command name.
func newCommandFlags(cmd *command, name string, g *globals) *pflag.FlagSet {
	fs := pflag.NewFlagSet("imgform "+name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	if !cmd.noGlobals {
		g.AddFlags(fs)
	}
	return fs
}

// suggestCommand says which command a mistyped name most likely meant:
// one it starts, or one within two edits of it.
func suggestCommand(cmds []*command, name string) string {
	best, bestDist := "", 3
	for _, c := range cmds {
		if len(name) >= 2 && (strings.HasPrefix(c.name, name) || strings.HasPrefix(name, c.name)) {
			return fmt.Sprintf(". Did you mean %q?", c.name)
		}
		if d := levenshtein.Distance(name, c.name, nil); d < bestDist {
			best, bestDist = c.name, d
		}
	}
	if best != "" {
		return fmt.Sprintf(". Did you mean %q?", best)
	}
	return "; run imgform help for the list"
}
