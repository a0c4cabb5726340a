package main

import (
	"io"

	"github.com/imgform/imgform/internal/cli"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/view/progress"
)

// newView writes errors, warnings and diagnostics on stderr: coloured
// only on a terminal, and never with --no-color or NO_COLOR.
func newView(e *env) *planview.Messages {
	return planview.NewMessages(e.stderr, e.g.noColor || e.getenv("NO_COLOR") != "")
}

// colorOn reports whether output to w may be coloured.
func (e *env) colorOn(w io.Writer) bool {
	return cli.IsTerminal(w) && !e.g.noColor && e.getenv("NO_COLOR") == ""
}

// newRunView is the view of an engine run: JSON events (--json), the
// live progress bar on a terminal, else a line per image.
func newRunView(e *env, asJSON bool, total int, kind planview.RunKind) planview.RunView {
	o := planview.RunOutput{Stdout: e.stdout, Stderr: e.stderr, JSON: asJSON,
		StdoutColor: e.colorOn(e.stdout), StderrColor: e.colorOn(e.stderr)}
	if !asJSON && cli.IsTerminal(e.stderr) {
		return progress.New(o, total, kind)
	}
	return planview.NewRunView(o, kind)
}
