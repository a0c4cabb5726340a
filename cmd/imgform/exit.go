package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Exit codes. They are documented in the help text and the README.
const (
	exitOK          = 0   // success
	exitError       = 1   // an error, reported on stderr
	exitChanges     = 2   // plan --detailed-exitcode: changes are present
	exitFmtCheck    = 3   // fmt --check: some file is not formatted
	exitInterrupted = 130 // stopped by an interrupt (Ctrl-C, SIGTERM)
)

// exitCodeError ends a run with a given code. Its error, when there is
// one, is reported like any other; when nil, the command has said all it
// had to say.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

func withExitCode(code int, err error) error { return &exitCodeError{code: code, err: err} }

// diagsError carries configuration diagnostics to the edge, with the
// sources they refer to.
type diagsError struct {
	diags hcl.Diagnostics
	files map[string]*hcl.File
}

func (e *diagsError) Error() string { return e.diags.Error() }

// errInterrupted is returned by a command that stopped because of an
// interrupt after saving what it had done.
var errInterrupted = errors.New("interrupted")

// report is the one place where an error becomes a message and an exit
// code.
func report(e *env, err error) int {
	if err == nil {
		return exitOK
	}
	v := newView(e)
	var (
		codeErr  *exitCodeError
		diagsErr *diagsError
		usageErr *usageError
	)
	switch {
	case errors.As(err, &codeErr):
		if codeErr.err != nil {
			report(e, codeErr.err)
		}
		return codeErr.code
	case errors.As(err, &diagsErr):
		v.diagnostics(diagsErr.diags, diagsErr.files)
		return exitError
	case errors.As(err, &usageErr):
		v.errorf("%s", usageErr.msg)
		if usageErr.path != "" {
			fmt.Fprintf(e.stderr, "\nRun 'imgform help %s' for its usage.\n", usageErr.path)
		}
		return exitError
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled):
		v.errorf("Interrupted.")
		return exitInterrupted
	}
	v.errorf("%s", err)
	return exitError
}
