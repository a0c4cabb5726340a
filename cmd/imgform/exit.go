package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/imgform/imgform/internal/apply"
	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/generate"
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

// report is the one place where an error becomes a message and an exit
// code.
func report(e *env, err error) int {
	if err == nil {
		return exitOK
	}
	v := newView(e)
	var (
		codeErr   *exitCodeError
		diagsErr  *spec.DiagnosticsError
		usageErr  *cli.UsageError
		helpShown *cli.HelpShown
		lockedErr *state.LockedError
		fatalErr  *apply.FatalError
		lostErr   *apply.LockLostError
	)
	switch {
	case errors.As(err, &codeErr):
		if codeErr.err != nil {
			report(e, codeErr.err)
		}
		return codeErr.code
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
	var apiErr *generate.Error
	var keyErr *segmind.MalformedKeyError
	switch {
	case errors.As(fe, &keyErr):
		return keyErr.Error()
	case errors.Is(fe, apply.ErrNoGenerator):
		return fmt.Sprintf("this run needs the API, which needs a key: %s is not set (or run imgform apply --offline for placeholders)", segmind.EnvAPIKey)
	case !errors.As(fe, &apiErr):
		return fe.Error()
	}
	switch apiErr.Reason {
	case generate.BadKey:
		return fmt.Sprintf("the API refused the key (%s). Set %s to a valid API key from your Segmind account, then run imgform apply again; what finished is saved.", apiErr, segmind.EnvAPIKey)
	case generate.Forbidden:
		return fmt.Sprintf("the API key is not allowed to do this (%s). Check the key's permissions, or set %s to another key.", apiErr, segmind.EnvAPIKey)
	case generate.NoCredits:
		return fmt.Sprintf("the account is out of credits (%s). Top up your Segmind credits, then run imgform apply again; what finished is saved.", apiErr)
	case generate.Unreachable, generate.Retryable:
		return fmt.Sprintf("%s. Check the network, or %s if it points elsewhere.", fe, segmind.EnvBaseURL)
	}
	return fe.Error()
}
