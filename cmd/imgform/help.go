package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

const topSummary = `imgform is Terraform for generated images. Declare images in *.img.hcl
files (prompt, seed, parameters, output path); "imgform plan" shows what is
missing, changed, moved, drifted or removed, and "imgform apply" generates
exactly that through the NewReality Lightning SDXL API, and nothing else.`

const exitCodesHelp = `Exit codes:
  0    success
  1    error
  2    changes present (plan --detailed-exitcode only)
  3    files need formatting (fmt --check only)
  130  interrupted`

const environmentHelp = `Environment:
  SEGMIND_API_KEY      the API key (never written to state, plans or logs)
  SEGMIND_BASE_URL     the API origin (default https://api.segmind.com)
  IMGFORM_CACHE_DIR    the content cache (default .imgform/cache)
  IMGFORM_VAR_<NAME>   a value for variable NAME
  IMGFORM_LOG          log to stderr: error, warn, info, debug or trace (API
                       calls, retries, the lock, the cache, checkpoints;
                       secrets masked); TF_LOG is read when it is unset
  IMGFORM_LOG_PATH     append the log to this file instead of stderr
  NO_COLOR             never colour the output`

func writeTopHelp(w io.Writer, cmds []*command, globalFlags *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage: imgform [global flags] COMMAND [flags] [args]\n\n%s\n\nCommands:\n", topSummary)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, "\nGlobal flags (also accepted after the command name):\n%s\n%s\n\n%s\n\nRun 'imgform help COMMAND' for a command's flags.\n",
		globalFlags.FlagUsages(), exitCodesHelp, environmentHelp)
}

func writeCommandHelp(w io.Writer, cmd *command, name string) {
	usage := "imgform " + name
	if cmd.flags != nil || !cmd.noGlobals {
		usage += " [flags]"
	}
	if cmd.args != "" {
		usage += " " + cmd.args
	}
	if len(cmd.sub) > 0 {
		usage += " SUBCOMMAND"
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", usage, strings.TrimSpace(firstNonEmpty(cmd.long, cmd.short)))
	if len(cmd.sub) > 0 {
		fmt.Fprintf(w, "\nSubcommands:\n")
		for _, s := range cmd.sub {
			fmt.Fprintf(w, "  %-14s %s\n", s.name, s.short)
		}
	}
	if cmd.run == nil {
		return
	}
	if cmd.flags != nil {
		local := pflag.NewFlagSet(name, pflag.ContinueOnError)
		local.SortFlags = false
		cmd.flags(local)
		fmt.Fprintf(w, "\nFlags:\n%s", local.FlagUsages())
	}
	if !cmd.noGlobals {
		var g globals
		global := pflag.NewFlagSet("global", pflag.ContinueOnError)
		g.AddFlags(global)
		fmt.Fprintf(w, "\nGlobal flags:\n%s", global.FlagUsages())
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// runHelp is "imgform help [COMMAND [SUBCOMMAND]]".
func runHelp(e *env, cmds []*command, top *pflag.FlagSet, args []string) error {
	if len(args) == 0 {
		writeTopHelp(e.stdout, cmds, top)
		return nil
	}
	var cmd *command
	list := cmds
	var path []string
	for _, a := range args {
		cmd = findCommand(list, a)
		if cmd == nil {
			return &usageError{msg: fmt.Sprintf("%q is not an imgform command%s", strings.Join(append(path, a), " "), suggestCommand(list, a))}
		}
		path = append(path, a)
		list = cmd.sub
	}
	writeCommandHelp(e.stdout, cmd, strings.Join(path, " "))
	return nil
}
