package main

import (
	"os"

	"github.com/imgform/imgform/internal/cli"
)

func main() {
	os.Exit(Main())
}

// Main runs imgform with the process's arguments and streams and returns
// its exit code. Tests run the built binary through it.
func Main() int {
	return run(os.Args[1:], &env{
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		environ: os.Environ,
		signals: cli.NotifySignals,
	})
}
