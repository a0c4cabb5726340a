package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	planview "github.com/imgform/imgform/internal/view"
)

// Exit codes. They are documented in the help text and the README.
const (
	exitOK          = 0   // success
	exitError       = 1   // an error, reported on stderr
	exitChanges     = 2   // plan --detailed-exitcode: changes are present
	exitFmtCheck    = 3   // fmt --check: some file is not formatted
	exitInterrupted = 130 // stopped by an interrupt (Ctrl-C, SIGTERM)
)

// report is the one place where an error becomes a message and an exit
// code.
func report(e *env, err error) int {
	if err == nil {
		return exitOK
	}
	v := newView(e)
	var (
		codeErr   *cli.ExitError
		diagsErr  *spec.DiagnosticsError
		usageErr  *cli.UsageError
		helpShown *cli.HelpShown
		lockedErr *state.LockedError
		fatalErr  *apply.FatalError
		lostErr   *apply.LockLostError
	)
	switch {
	case errors.As(err, &codeErr):
		if codeErr.Err != nil {
			report(e, codeErr.Err)
		}
		return codeErr.Code
	case errors.As(err, &helpShown):
		return helpShown.Code
	case errors.As(err, &diagsErr):
		v.Diagnostics(diagsErr.Diagnostics, diagsErr.Files)
		return exitError
	case errors.As(err, &usageErr):
		v.Errorf("%s", usageErr.Msg)
		if usageErr.Path != "" {
			fmt.Fprintf(e.stderr, "\nRun 'imgform help %s' for its usage.\n", usageErr.Path)
		}
		return exitError
	case errors.As(err, &lockedErr):
		v.Errorf("%s", err)
		fmt.Fprint(e.stderr, planview.LockedAdvice(lockedErr))
		return exitError
	case errors.As(err, &lostErr):
		v.Errorf("%s.", planview.UpperFirst(lostErr.Error()))
		fmt.Fprint(e.stderr, planview.LockLostAdvice)
		return exitError
	case errors.As(err, &fatalErr):
		v.Errorf("%s", fatalAdvice(fatalErr))
		return exitError
	case errors.Is(err, apply.ErrInterrupted), errors.Is(err, context.Canceled):
		v.Errorf("Interrupted. What finished is saved in the state; run the command again to do the rest.")
		return exitInterrupted
	}
	v.Errorf("%s", err)
	return exitError
}

// fatalAdvice says what stopped an apply and what to do about it.
func fatalAdvice(fe *apply.FatalError) string {
	if advice, ok := segmind.Advice(fe); ok {
		return advice
	}
	if errors.Is(fe, apply.ErrNoGenerator) {
		return fmt.Sprintf("this run needs the API, which needs a key: %s is not set (or run imgform apply --offline for placeholders)", segmind.EnvAPIKey)
	}
	return fe.Error()
}
