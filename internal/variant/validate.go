package variant

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The limits of a variant's size and quality.
const (
	MinSide    = 16
	MaxSide    = 4096
	MinQuality = 1
	MaxQuality = 100
)

// AttributeError is a problem with one attribute of a variant, named as
// the language names it (width, height, fit, anchor, background,
// upscale, quality, lossless, output), so that the caller can point at
// its line.
type AttributeError struct {
	Attribute string
	Message   string
}

func (e *AttributeError) Error() string { return e.Attribute + ": " + e.Message }

func attrErr(attr, format string, args ...any) *AttributeError {
	return &AttributeError{Attribute: attr, Message: fmt.Sprintf(format, args...)}
}

// Validate checks the spec against a source of the given size (the
// model's, from the request: 1024×1024). It returns nil, or every problem
// found as an *AttributeError, joined (errors.Join; AttributeErrors
// lists them):
//
//   - width and height, when set, are 16–4096; the one that follows the
//     aspect ratio must come out no larger than 4096 either;
//   - a width or height larger than the source's needs upscale;
//   - fit is cover, contain or fill; anchor is one of Anchors and only
//     with cover (and both width and height); background is a hex colour
//     and only with contain, and opaque for JPEG;
//   - quality is 1–100 and only for lossy formats; lossless only for
//     WebP; the format is one Derive writes (an error on output).
func (s Spec) Validate(src Size) error {
	var errs []error
	add := func(e *AttributeError) { errs = append(errs, e) }

	if !s.Format.valid() {
		add(attrErr("output", "the format %v is not one derive writes: the extension must be one of %s", s.Format, strings.Join(Extensions(), ", ")))
	}
	for _, side := range []struct {
		name string
		v    int
	}{{"width", s.Width}, {"height", s.Height}} {
		if side.v != 0 && (side.v < MinSide || side.v > MaxSide) {
			add(attrErr(side.name, "%d is out of range: a %s must be %d to %d pixels", side.v, side.name, MinSide, MaxSide))
		}
	}
	if src.Width > 0 && src.Height > 0 && len(errs) == 0 {
		out := s.OutputSize(src)
		if s.Height == 0 && s.Width != 0 && out.Height > MaxSide {
			add(attrErr("width", "the height that follows the source's aspect ratio, %d, is over %d pixels", out.Height, MaxSide))
		}
		if s.Width == 0 && s.Height != 0 && out.Width > MaxSide {
			add(attrErr("height", "the width that follows the source's aspect ratio, %d, is over %d pixels", out.Width, MaxSide))
		}
		if !s.Upscale {
			if s.Width > src.Width {
				add(attrErr("width", "%d is wider than the source's %d pixels: set upscale = true to enlarge it", s.Width, src.Width))
			}
			if s.Height > src.Height {
				add(attrErr("height", "%d is taller than the source's %d pixels: set upscale = true to enlarge it", s.Height, src.Height))
			}
		}
	}

	fitKnown := s.Fit == "" || slices.Contains(Fits(), s.Fit)
	if !fitKnown {
		add(attrErr("fit", "%q is not a fit: use cover (crop), contain (pad with background) or fill (stretch)", s.Fit))
	}
	if s.Anchor != "" {
		switch {
		case !slices.Contains(Anchors(), s.Anchor):
			add(attrErr("anchor", "%q is not an anchor: use one of %s", s.Anchor, joinNames(Anchors())))
		case fitKnown && s.fit() != Cover:
			add(attrErr("anchor", "anchor applies only to fit = \"cover\", and fit is %q", s.fit()))
		case !s.twoSided():
			add(attrErr("anchor", "anchor applies only to a cover crop, which needs both width and height"))
		}
	}
	if s.Background != "" {
		c, err := ParseColour(s.Background)
		switch {
		case err != nil:
			add(attrErr("background", "%v", err))
		case fitKnown && s.fit() != Contain:
			add(attrErr("background", "background applies only to fit = \"contain\", and fit is %q", s.fit()))
		case !c.Opaque() && s.Format == JPEG:
			add(attrErr("background", "%s is not opaque, and JPEG has no transparency: use an opaque colour (#rrggbb)", s.Background))
		}
	}
	if s.Quality != 0 {
		switch {
		case s.Quality < MinQuality || s.Quality > MaxQuality:
			add(attrErr("quality", "%d is out of range: quality must be %d to %d", s.Quality, MinQuality, MaxQuality))
		case s.Format == WebP && s.Lossless:
			add(attrErr("quality", "quality applies only to lossy WebP, and lossless = true"))
		case s.Format.valid() && !s.Format.HasQuality():
			add(attrErr("quality", "quality applies only to lossy formats (JPEG, WebP, AVIF), not %s", s.Format))
		}
	}
	if s.Lossless && s.Format.valid() && s.Format != WebP {
		add(attrErr("lossless", "lossless applies only to WebP, not %s (PNG is always lossless)", s.Format))
	}
	return errors.Join(errs...)
}

// AttributeErrors returns the *AttributeErrors in err (one, or those
// joined by Validate), in order.
func AttributeErrors(err error) []*AttributeError {
	var out []*AttributeError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if a, ok := e.(*AttributeError); ok {
			out = append(out, a)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		walk(errors.Unwrap(e))
	}
	walk(err)
	return out
}

func joinNames[T ~string](names []T) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}
