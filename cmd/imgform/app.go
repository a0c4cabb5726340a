package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/derive"
	"github.com/imgform/imgform/internal/segmind"
	planview "github.com/imgform/imgform/internal/view"
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
	interrupts *cli.Interrupts
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

func (e *env) getenv(key string) string { return cli.Getenv(e.environ(), key) }

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
type command = cli.Command[*env]

// program returns imgform's command tree, built anew for every run so
// that option structs never carry over between runs in one process
// (tests).
func program() *cli.Tree[*env] {
	return &cli.Tree[*env]{
		Program: "imgform",
		Summary: planview.ProgramSummary,
		Footer:  planview.ExitCodesHelp + "\n\n" + planview.EnvironmentHelp,
		Commands: []*command{
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
		},
		Globals: func(fs *pflag.FlagSet) { new(globals).AddFlags(fs) },
	}
}

// run parses the arguments, runs the command and returns the exit code.
func run(args []string, e *env) int {
	tree := program()
	top := pflag.NewFlagSet("imgform", pflag.ContinueOnError)
	top.SetInterspersed(false)
	top.SetOutput(io.Discard)
	e.g.AddFlags(top)
	var showVersion bool
	top.BoolVarP(&showVersion, "version", "v", false, "print the version and exit")
	if err := top.Parse(cli.TerraformFlags(args, top, false)); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			tree.WriteTopHelp(e.stdout, top)
			return exitOK
		}
		return report(e, &cli.UsageError{Msg: err.Error()})
	}
	if showVersion {
		return report(e, runVersion(e, versionOptions{}))
	}
	rest := top.Args()
	switch {
	case len(rest) == 0:
		tree.WriteTopHelp(e.stderr, top)
		return exitError
	case rest[0] == completeCommand:
		return runComplete(e, tree, rest[1:])
	case rest[0] == "help":
		return report(e, tree.Help(e.stdout, top, rest[1:]))
	}

	var late globals // global flags written after the command name
	call, err := tree.Resolve(rest, late.AddFlags, e.stdout, e.stderr)
	if err != nil {
		return report(e, err)
	}
	e.g.merge(&late, call.Flags)
	if e.g.cacheMode != cacheConfigured && e.g.cacheMode != cacheLocal {
		return report(e, &cli.UsageError{Msg: fmt.Sprintf("--cache %q: the only value is local (this machine's cache only)", e.g.cacheMode), Path: call.Path})
	}
	if err := call.CheckArgs(); err != nil {
		return report(e, err)
	}
	// The debug log (IMGFORM_LOG), the environment's secrets masked: it is
	// handed to the packages that log; none of them reads the environment.
	log, closeLog, err := planview.OpenLog(e.getenv, e.stderr, []string{segmind.EnvAPIKey, "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PGPASSWORD"})
	if err != nil {
		return report(e, err)
	}
	defer closeLog()
	e.log = log
	e.log.Debug("imgform started", "version", versionString(), "command", call.Path)
	if e.g.chdir != "" {
		if err := os.Chdir(e.g.chdir); err != nil {
			return report(e, fmt.Errorf("switching to the directory given with -C: %w", err))
		}
	}
	// The codecs' compiled code is kept in the cache folder (not an entry:
	// the cache lists two-letter folders) for the next run, by whichever
	// command encodes a variant first (apply, preview --from-cache).
	derive.UseCompilationCache(filepath.Join(cacheDir(e), "wazero"))
	sigs, stopSignals := e.signals()
	defer stopSignals()
	ctx, in, stop := cli.InterruptContext(sigs, call.Command.Graceful, exitInterrupted)
	defer stop()
	e.interrupts = in
	return report(e, call.Command.Run(ctx, e, call.Args))
}
