package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3".
var version = ""

func versionString() string {
	v := version
	if v == "" {
		v = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			v = bi.Main.Version
		}
	}
	return v
}

func versionCommand() *command {
	return &command{
		name:      "version",
		short:     "Print the version",
		long:      "Print imgform's version, the Go version it was built with, and the platform.",
		noGlobals: true,
		run: func(ctx context.Context, e *env, args []string) error {
			return runVersion(e)
		},
	}
}

func runVersion(e *env) error {
	_, err := fmt.Fprintf(e.stdout, "imgform %s (%s %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
