package placeholder

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// asciiJSON rewrites JSON so that it is pure ASCII, escaping every other
// rune as \uXXXX (a surrogate pair beyond the BMP). Outside strings JSON
// is ASCII already, so the result means the same.
func asciiJSON(js []byte) string {
	var b strings.Builder
	b.Grow(len(js))
	for _, r := range string(js) {
		switch {
		case r < 0x80:
			b.WriteByte(byte(r))
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
