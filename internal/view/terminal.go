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

// Paint wraps s in the given ANSI codes when on is true.
func Paint(on bool, s string, codes ...string) string {
	if !on || len(codes) == 0 {
		return s
	}
	return strings.Join(codes, "") + s + ansiReset
}

// Wrap wraps s at width columns; width 0 leaves it as it is.
func Wrap(s string, width int) string {
	if width == 0 {
		return s
	}
	return wordwrap.WrapString(s, uint(width))
}

// ErrorLine is an operational error, Terraform style: "Error: " and the
// message, its URL passwords masked.
func ErrorLine(msg string, color bool, width int) string {
	return Paint(color, "Error:", ansiBold, ansiRed) + " " + Wrap(RedactText(msg), width)
}

// WarningLine is a warning, Terraform style, its first letter capital.
func WarningLine(msg string, color bool, width int) string {
	return Paint(color, "Warning:", ansiBold, ansiYellow) + " " + Wrap(RedactText(UpperFirst(msg)), width)
}

// UpperFirst capitalises the first letter of a sentence.
func UpperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
