package view

import (
	"strings"

	"github.com/mitchellh/go-wordwrap"
)

// The ANSI codes of the renderings for a terminal (ansiReset, ansiBold
// and ansiDim are text.go's).
const (
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

// wrap wraps s at width columns; width 0 leaves it as it is.
func wrap(s string, width int) string {
	if width == 0 {
		return s
	}
	return wordwrap.WrapString(s, uint(width))
}

// errorLine is an operational error, Terraform style: "Error: " and the
// message, its URL passwords masked.
func errorLine(msg string, color bool, width int) string {
	return paint(color, "Error:", ansiBold, ansiRed) + " " + wrap(redactText(msg), width)
}

// warningLine is a warning, Terraform style, its first letter capital.
func warningLine(msg string, color bool, width int) string {
	return paint(color, "Warning:", ansiBold, ansiYellow) + " " + wrap(redactText(UpperFirst(msg)), width)
}

// UpperFirst capitalises the first letter of a sentence.
func UpperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
