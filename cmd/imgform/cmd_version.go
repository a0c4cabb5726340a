package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/version"
	planview "github.com/imgform/imgform/internal/view"
)

// versionString is the version alone, for the user agent.
func versionString() string { return version.Number() }

type versionOptions struct {
	json bool
}

func versionCommand() *command {
	var o versionOptions
	return &command{
		Name:  "version",
		Short: "Print the version (also imgform --version or -v)",
		Long:  planview.CommandHelp("version"),
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&o.json, "json", false, "print the version as one JSON object")
		},
		NoGlobals: true,
		Run: func(ctx context.Context, e *env, args []string) error {
			return runVersion(e, o)
		},
	}
}

func runVersion(e *env, o versionOptions) error { return version.Get().Write(e.stdout, o.json) }
