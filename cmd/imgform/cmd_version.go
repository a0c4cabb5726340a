package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/version"
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
		Long: "Print imgform's version: the release (v0.5.0), or the next one with -dev between releases; the commit it was built from and its date when the build knows them, and whether the clone had changes not committed; then the Go version it was built with and the platform. " +
			"imgform --version and imgform -v print the same.",
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&o.json, "json", false, "print the version as one JSON object")
		},
		NoGlobals: true,
		Run: func(ctx context.Context, e *env, args []string) error {
			return runVersion(e, o)
		},
	}
}

func runVersion(e *env, o versionOptions) error {
	v := version.Get()
	if o.json {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", data)
		return err
	}
	_, err := fmt.Fprintln(e.stdout, v)
	return err
}
