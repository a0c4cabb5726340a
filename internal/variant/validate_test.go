package variant

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var model1024 = Size{1024, 1024}

// TestValidateAccepts: specs that are valid give no error.
func TestValidateAccepts(t *testing.T) {
	for name, s := range map[string]Spec{
		"width only":                 {Width: 256, Format: WebP, Quality: 82},
		"height only":                {Height: 16, Format: PNG},
		"no size: a format copy":     {Format: AVIF},
		"cover with anchor":          {Width: 960, Height: 504, Fit: Cover, Anchor: BottomRight, Format: JPEG},
		"default fit with anchor":    {Width: 960, Height: 504, Anchor: Top, Format: JPEG},
		"contain with background":    {Width: 600, Height: 300, Fit: Contain, Background: "#00000000", Format: PNG},
		"contain, JPEG, opaque":      {Width: 600, Height: 300, Fit: Contain, Background: "#fff", Format: JPEG},
		"fill":                       {Width: 100, Height: 900, Fit: Fill, Format: PNG},
		"upscale":                    {Width: 1200, Height: 630, Upscale: true, Format: JPEG, Quality: 100},
		"largest":                    {Width: 4096, Upscale: true, Format: PNG},
		"lossless webp":              {Width: 512, Format: WebP, Lossless: true},
		"the source's size, no flag": {Width: 1024, Height: 1024, Format: PNG},
	} {
		if err := s.Validate(model1024); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestValidateRefuses: each invalid spec gives errors naming exactly the
// attributes at fault, with a message that says what is wrong.
func TestValidateRefuses(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		src   Size
		attrs []string
		says  string
	}{
		{"width too small", Spec{Width: 15, Format: PNG}, model1024, []string{"width"}, "16 to 4096"},
		{"height too large", Spec{Height: 4097, Upscale: true, Format: PNG}, model1024, []string{"height"}, "16 to 4096"},
		{"negative width", Spec{Width: -5, Format: PNG}, model1024, []string{"width"}, "out of range"},
		{"wider than the source", Spec{Width: 1200, Format: PNG}, model1024, []string{"width"}, "upscale = true"},
		{"taller than the source", Spec{Width: 512, Height: 2048, Fit: Fill, Format: PNG}, model1024, []string{"height"}, "upscale = true"},
		{"both larger", Spec{Width: 2000, Height: 2000, Format: PNG}, model1024, []string{"width", "height"}, "upscale"},
		{"followed height over the limit", Spec{Width: 4096, Upscale: true, Format: PNG}, Size{1024, 2048}, []string{"width"}, "aspect ratio"},
		{"unknown fit", Spec{Width: 100, Height: 100, Fit: "stretch", Format: PNG}, model1024, []string{"fit"}, "cover (crop), contain"},
		{"unknown anchor", Spec{Width: 100, Height: 100, Anchor: "middle", Format: PNG}, model1024, []string{"anchor"}, "top-left"},
		{"anchor without cover", Spec{Width: 100, Height: 100, Fit: Contain, Anchor: Top, Format: PNG}, model1024, []string{"anchor"}, `fit is "contain"`},
		{"anchor with one side", Spec{Width: 100, Anchor: Top, Format: PNG}, model1024, []string{"anchor"}, "both width and height"},
		{"background without contain", Spec{Width: 100, Height: 50, Background: "#fff", Format: PNG}, model1024, []string{"background"}, `fit is "cover"`},
		{"background not a colour", Spec{Width: 100, Height: 50, Fit: Contain, Background: "white", Format: PNG}, model1024, []string{"background"}, "must start with #"},
		{"background bad digit", Spec{Width: 100, Height: 50, Fit: Contain, Background: "#ggg", Format: PNG}, model1024, []string{"background"}, "not a hexadecimal digit"},
		{"background bad length", Spec{Width: 100, Height: 50, Fit: Contain, Background: "#12345", Format: PNG}, model1024, []string{"background"}, "5 hex digits"},
		{"transparent background for JPEG", Spec{Width: 100, Height: 50, Fit: Contain, Background: "#ffffff80", Format: JPEG}, model1024, []string{"background"}, "JPEG has no transparency"},
		{"quality zero is unset, 101 is not", Spec{Width: 100, Quality: 101, Format: JPEG}, model1024, []string{"quality"}, "1 to 100"},
		{"negative quality", Spec{Width: 100, Quality: -1, Format: WebP}, model1024, []string{"quality"}, "1 to 100"},
		{"quality for PNG", Spec{Width: 100, Quality: 80, Format: PNG}, model1024, []string{"quality"}, "lossy formats"},
		{"quality with lossless", Spec{Width: 100, Quality: 80, Lossless: true, Format: WebP}, model1024, []string{"quality"}, "lossless = true"},
		{"lossless for JPEG", Spec{Width: 100, Lossless: true, Format: JPEG}, model1024, []string{"lossless"}, "only to WebP"},
		{"lossless for PNG", Spec{Width: 100, Lossless: true, Format: PNG}, model1024, []string{"lossless"}, "PNG is always lossless"},
		{"no format", Spec{Width: 100}, model1024, []string{"output"}, ".avif, .jpeg, .jpg, .png, .webp"},
		{"several at once", Spec{Width: 5000, Fit: "zoom", Quality: 0, Lossless: true, Format: AVIF}, model1024, []string{"width", "fit", "lossless"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate(tc.src)
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			var got []string
			for _, e := range AttributeErrors(err) {
				got = append(got, e.Attribute)
				if !strings.HasPrefix(e.Error(), e.Attribute+": ") {
					t.Errorf("the message %q does not start with the attribute", e.Error())
				}
			}
			if !slices.Equal(got, tc.attrs) {
				t.Errorf("errors name %v, want %v (%v)", got, tc.attrs, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("the error %q does not say %q", err, tc.says)
			}
			var ae *AttributeError
			if !errors.As(err, &ae) || ae.Attribute != tc.attrs[0] {
				t.Errorf("errors.As finds %v, want the %s error first", ae, tc.attrs[0])
			}
		})
	}
}
