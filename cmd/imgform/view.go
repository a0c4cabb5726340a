package main

import (
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/term"

	"github.com/imgform/imgform/internal/cli"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/view/progress"
)

// view writes what imgform tells a person: colour only on a terminal and
// never with --no-color or NO_COLOR.
type view struct {
	e     *env
	color bool // stderr is a terminal and colour is allowed
	width int  // stderr's width on a terminal; 0 = do not wrap
}

func newView(e *env) *view {
	v := &view{e: e}
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		v.color = !e.g.noColor && e.getenv("NO_COLOR") == ""
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 20 {
			v.width = w - 1
		}
	}
	return v
}

// colorOn reports whether output to w may be coloured.
func (e *env) colorOn(w io.Writer) bool {
	return cli.IsTerminal(w) && !e.g.noColor && e.getenv("NO_COLOR") == ""
}

// errorf reports an operational error on stderr, Terraform style.
func (v *view) errorf(format string, args ...any) {
	fmt.Fprintln(v.e.stderr, planview.ErrorLine(fmt.Sprintf(format, args...), v.color, v.width))
}

// warnf warns on stderr, Terraform style.
func (v *view) warnf(format string, args ...any) {
	fmt.Fprintln(v.e.stderr, planview.WarningLine(fmt.Sprintf(format, args...), v.color, v.width))
}

// diagnostics renders configuration diagnostics on stderr, as terraform
// validate does (see planview.Diagnostics).
func (v *view) diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	planview.Diagnostics{Color: v.color, Width: v.width}.Write(v.e.stderr, diags, files)
}

// runOutput is where the view of an engine run writes, and how.
func (e *env) runOutput(asJSON bool) planview.RunOutput {
	return planview.RunOutput{Stdout: e.stdout, Stderr: e.stderr, JSON: asJSON,
		StdoutColor: e.colorOn(e.stdout), StderrColor: e.colorOn(e.stderr)}
}

// newRunView is the view of an engine run: JSON events (--json), the
// live progress bar on a terminal, else a line per image.
func newRunView(e *env, asJSON bool, total int, kind planview.RunKind) planview.RunView {
	o := e.runOutput(asJSON)
	if !asJSON && cli.IsTerminal(e.stderr) {
		return progress.New(o, total, kind)
	}
	return planview.NewRunView(o, kind)
}
