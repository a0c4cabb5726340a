package cli

import (
	"fmt"
)

// ExitError ends a run with Code. Its Err, when there is one, is
// reported like any other error; when nil, the command has said all it
// had to say.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// WithExitCode is an error that ends the run with code, reporting err
// (nil: nothing more).
func WithExitCode(code int, err error) error { return &ExitError{Code: code, Err: err} }
