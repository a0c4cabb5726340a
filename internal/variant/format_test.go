package variant

import (
	"errors"
	"slices"
	"testing"
)

func TestFormatOfPath(t *testing.T) {
	for path, want := range map[string]Format{
		"assets/hero.png": PNG, "a.PNG": PNG, "x.jpg": JPEG, "x.JPEG": JPEG, "x.jpeg": JPEG,
		"dir.v2/hero@2x.webp": WebP, "hero.avif": AVIF, "hero.AviF": AVIF,
	} {
		if got, err := FormatOfPath(path); err != nil || got != want {
			t.Errorf("FormatOfPath(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
	for _, path := range []string{"hero.gif", "hero", "hero.png.bak", "hero.tiff", "dir.png/hero"} {
		_, err := FormatOfPath(path)
		var ue *UnsupportedExtensionError
		if !errors.As(err, &ue) || ue.Path != path {
			t.Errorf("FormatOfPath(%q) = %v, want an *UnsupportedExtensionError", path, err)
		}
	}
	if got := Extensions(); !slices.Equal(got, []string{".avif", ".jpeg", ".jpg", ".png", ".webp"}) {
		t.Errorf("Extensions() = %v", got)
	}
}

func TestFormatProperties(t *testing.T) {
	for _, tc := range []struct {
		f              Format
		name, media    string
		quality, alpha bool
		def            int
	}{
		{PNG, "png", "image/png", false, true, 0},
		{JPEG, "jpeg", "image/jpeg", true, false, 85},
		{WebP, "webp", "image/webp", true, true, 75},
		{AVIF, "avif", "image/avif", true, true, 60},
	} {
		if tc.f.String() != tc.name || tc.f.MediaType() != tc.media || tc.f.HasQuality() != tc.quality ||
			tc.f.HasAlpha() != tc.alpha || tc.f.DefaultQuality() != tc.def {
			t.Errorf("%v: %q %q %v %v %d", tc.f, tc.f.String(), tc.f.MediaType(), tc.f.HasQuality(), tc.f.HasAlpha(), tc.f.DefaultQuality())
		}
	}
}
