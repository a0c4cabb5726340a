package variant

import (
	"strings"
	"testing"
)

func TestParseColour(t *testing.T) {
	for in, want := range map[string]Colour{
		"#fff":      {255, 255, 255, 255},
		"#000":      {0, 0, 0, 255},
		"#1a2":      {0x11, 0xaa, 0x22, 255},
		"#ffffff":   {255, 255, 255, 255},
		"#00000000": {0, 0, 0, 0},
		"#12AbEf80": {0x12, 0xab, 0xef, 0x80},
		"#FF8000":   {0xff, 0x80, 0x00, 255},
	} {
		got, err := ParseColour(in)
		if err != nil || got != want {
			t.Errorf("ParseColour(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, says := range map[string]string{
		"":           "must start with #",
		"fff":        "must start with #",
		"#":          "0 hex digits",
		"#ff":        "2 hex digits",
		"#ffff":      "4 hex digits",
		"#fffffffff": "9 hex digits",
		"#ggg":       `"g" is not a hexadecimal digit`,
		"#12345z":    `"z" is not a hexadecimal digit`,
		"rgb(0,0,0)": "must start with #",
	} {
		_, err := ParseColour(in)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseColour(%q) = %v, want an error saying %q", in, err, says)
		}
	}
	if s := (Colour{0x12, 0xab, 0xef, 0x80}).String(); s != "#12abef80" {
		t.Errorf("String = %q", s)
	}
}
