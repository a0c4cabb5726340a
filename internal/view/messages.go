package view

import (
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/term"
)

// Messages writes what imgform tells a person beside its output:
// errors, warnings and configuration diagnostics, Terraform style,
// coloured and wrapped only on a terminal.
type Messages struct {
	W     io.Writer
	Color bool // W is a terminal and colour is allowed
	Width int  // W's width on a terminal; 0 = do not wrap
}

// NewMessages writes to w; noColor (--no-color, NO_COLOR) never colours.
func NewMessages(w io.Writer, noColor bool) *Messages {
	m := &Messages{W: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		m.Color = !noColor
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 20 {
			m.Width = width - 1
		}
	}
	return m
}

// Errorf reports an operational error.
func (m *Messages) Errorf(format string, args ...any) {
	fmt.Fprintln(m.W, errorLine(fmt.Sprintf(format, args...), m.Color, m.Width))
}

// Warnf warns.
func (m *Messages) Warnf(format string, args ...any) {
	fmt.Fprintln(m.W, warningLine(fmt.Sprintf(format, args...), m.Color, m.Width))
}

// Diagnostics renders configuration diagnostics, as terraform validate
// does (see Diagnostics).
func (m *Messages) Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	Diagnostics{Color: m.Color, Width: m.Width}.Write(m.W, diags, files)
}
