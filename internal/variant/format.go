package variant

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Format is the file format of a variant, given by its output's
// extension.
type Format int

// The formats Derive writes.
const (
	PNG Format = iota + 1
	JPEG
	WebP
	AVIF
)

// extensions maps each supported extension (lower case) to its format.
var extensions = map[string]Format{
	".png":  PNG,
	".jpg":  JPEG,
	".jpeg": JPEG,
	".webp": WebP,
	".avif": AVIF,
}

// Extensions returns the supported output extensions, sorted, with their
// dot: .avif .jpeg .jpg .png .webp.
func Extensions() []string {
	out := make([]string, 0, len(extensions))
	for ext := range extensions {
		out = append(out, ext)
	}
	slices.Sort(out)
	return out
}

// UnsupportedExtensionError is FormatOfPath's error for a path whose
// extension names no format Derive writes.
type UnsupportedExtensionError struct {
	Path, Extension string
}

func (e *UnsupportedExtensionError) Error() string {
	if e.Extension == "" {
		return fmt.Sprintf("%q has no extension to choose its format by: use one of %s", e.Path, strings.Join(Extensions(), ", "))
	}
	return fmt.Sprintf("%q: the extension %q is not a supported image format: use one of %s", e.Path, e.Extension, strings.Join(Extensions(), ", "))
}

// FormatOfPath returns the format an output path asks for by its
// extension, in any case (.png, .jpg or .jpeg, .webp, .avif), or an
// *UnsupportedExtensionError.
func FormatOfPath(path string) (Format, error) {
	ext := filepath.Ext(path)
	if f, ok := extensions[strings.ToLower(ext)]; ok {
		return f, nil
	}
	return 0, &UnsupportedExtensionError{Path: path, Extension: ext}
}

// String is the format's lower-case name: png, jpeg, webp, avif.
func (f Format) String() string {
	switch f {
	case PNG:
		return "png"
	case JPEG:
		return "jpeg"
	case WebP:
		return "webp"
	case AVIF:
		return "avif"
	}
	return fmt.Sprintf("format(%d)", int(f))
}

// MediaType is the format's MIME type, e.g. image/webp.
func (f Format) MediaType() string {
	if f.valid() {
		return "image/" + f.String()
	}
	return ""
}

// HasQuality reports whether the format is lossy and takes a quality
// (JPEG, WebP unless lossless, AVIF).
func (f Format) HasQuality() bool { return f == JPEG || f == WebP || f == AVIF }

// HasAlpha reports whether the format keeps transparency (all but JPEG).
func (f Format) HasAlpha() bool { return f.valid() && f != JPEG }

// DefaultQuality is the quality used when a variant sets none: the
// default of each format's reference encoder (cwebp's 75 for WebP,
// libavif's 60 for AVIF) except JPEG, where 85 rather than libjpeg's 75,
// as web images are usually saved. It is 0 for PNG, which is lossless.
func (f Format) DefaultQuality() int {
	switch f {
	case JPEG:
		return 85
	case WebP:
		return 75
	case AVIF:
		return 60
	}
	return 0
}

func (f Format) valid() bool { return f >= PNG && f <= AVIF }
