package spec

import "github.com/hashicorp/hcl/v2"

// DiagnosticsError carries configuration diagnostics to the edge that
// renders them, with the sources they refer to.
type DiagnosticsError struct {
	Diagnostics hcl.Diagnostics
	Files       map[string]*hcl.File
}

func (e *DiagnosticsError) Error() string { return e.Diagnostics.Error() }
