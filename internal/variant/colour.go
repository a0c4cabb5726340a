package variant

import (
	"fmt"
	"strings"
)

// Colour is a non-premultiplied 8-bit sRGB colour with alpha, as a
// variant's background.
type Colour struct {
	R, G, B, A uint8
}

// Transparent and White are the default backgrounds (see
// Spec.WithDefaults).
var (
	Transparent = Colour{}
	White       = Colour{R: 255, G: 255, B: 255, A: 255}
)

// ParseColour reads a CSS-style hex colour: "#rgb", "#rrggbb" or
// "#rrggbbaa" (upper or lower case; #rgb stands for #rrggbb, alpha is
// 255 unless given). Its errors say what is wrong and what is accepted.
func ParseColour(s string) (Colour, error) {
	hex, ok := strings.CutPrefix(s, "#")
	if !ok {
		return Colour{}, fmt.Errorf("%q is not a hex colour: it must start with # (\"#rgb\", \"#rrggbb\" or \"#rrggbbaa\")", s)
	}
	var digits [8]uint8
	for i := 0; i < len(hex); i++ {
		if i >= len(digits) {
			break
		}
		d, ok := hexDigit(hex[i])
		if !ok {
			return Colour{}, fmt.Errorf("%q is not a hex colour: %q is not a hexadecimal digit", s, string(rune(hex[i])))
		}
		digits[i] = d
	}
	switch len(hex) {
	case 3:
		return Colour{R: digits[0] * 17, G: digits[1] * 17, B: digits[2] * 17, A: 255}, nil
	case 6, 8:
		c := Colour{R: digits[0]<<4 | digits[1], G: digits[2]<<4 | digits[3], B: digits[4]<<4 | digits[5], A: 255}
		if len(hex) == 8 {
			c.A = digits[6]<<4 | digits[7]
		}
		return c, nil
	}
	return Colour{}, fmt.Errorf("%q is not a hex colour: it has %d hex digits, not 3 (#rgb), 6 (#rrggbb) or 8 (#rrggbbaa)", s, len(hex))
}

func hexDigit(c byte) (uint8, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// String is the colour's canonical form, "#rrggbbaa" in lower case.
func (c Colour) String() string {
	return fmt.Sprintf("#%02x%02x%02x%02x", c.R, c.G, c.B, c.A)
}

// Opaque reports whether alpha is 255.
func (c Colour) Opaque() bool { return c.A == 255 }
