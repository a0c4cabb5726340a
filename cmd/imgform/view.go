package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mitchellh/go-wordwrap"
	"golang.org/x/term"
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

// isTerminal reports whether a stream is a terminal.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// colorOn reports whether output to w may be coloured.
func (e *env) colorOn(w io.Writer) bool {
	return isTerminal(w) && !e.g.noColor && e.getenv("NO_COLOR") == ""
}

const (
	ansiReset     = "\x1b[0m"
	ansiBold      = "\x1b[1m"
	ansiUnderline = "\x1b[4m"
	ansiRed       = "\x1b[31m"
	ansiGreen     = "\x1b[32m"
	ansiYellow    = "\x1b[33m"
	ansiBlue      = "\x1b[34m"
	ansiMagenta   = "\x1b[35m"
	ansiCyan      = "\x1b[36m"
)

// paint wraps s in the given ANSI codes when on is true.
func paint(on bool, s string, codes ...string) string {
	if !on || len(codes) == 0 {
		return s
	}
	return strings.Join(codes, "") + s + ansiReset
}

func (v *view) wrap(s string) string {
	if v.width == 0 {
		return s
	}
	return wordwrap.WrapString(s, uint(v.width))
}

// errorf reports an operational error on stderr, Terraform style.
func (v *view) errorf(format string, args ...any) {
	msg := redactText(fmt.Sprintf(format, args...))
	fmt.Fprintf(v.e.stderr, "%s %s\n", paint(v.color, "Error:", ansiBold, ansiRed), v.wrap(msg))
}

// warnf warns on stderr, Terraform style.
func (v *view) warnf(format string, args ...any) {
	msg := redactText(upperFirst(fmt.Sprintf(format, args...)))
	fmt.Fprintf(v.e.stderr, "%s %s\n", paint(v.color, "Warning:", ansiBold, ansiYellow), v.wrap(msg))
}

// upperFirst capitalises the first letter of a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
