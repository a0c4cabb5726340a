package variant

// Size is a width and height in pixels.
type Size struct {
	Width, Height int
}

// Fit says how a variant given both a width and a height fills that box
// when the source's aspect ratio differs.
type Fit string

// The fits.
const (
	// Cover scales the source to cover the box and crops what overflows,
	// keeping the part Anchor names.
	Cover Fit = "cover"
	// Contain scales the source to fit inside the box, centred, and pads
	// the rest with Background.
	Contain Fit = "contain"
	// Fill stretches the source to the box.
	Fill Fit = "fill"
)

// Fits lists the valid fits.
func Fits() []Fit { return []Fit{Cover, Contain, Fill} }

// Anchor is the part of the source a cover crop keeps.
type Anchor string

// The anchors.
const (
	Center      Anchor = "center"
	Top         Anchor = "top"
	Bottom      Anchor = "bottom"
	Left        Anchor = "left"
	Right       Anchor = "right"
	TopLeft     Anchor = "top-left"
	TopRight    Anchor = "top-right"
	BottomLeft  Anchor = "bottom-left"
	BottomRight Anchor = "bottom-right"
)

// Anchors lists the valid anchors.
func Anchors() []Anchor {
	return []Anchor{Center, Top, Bottom, Left, Right, TopLeft, TopRight, BottomLeft, BottomRight}
}

// Spec is a variant's attributes, as written; a zero field is unset and
// takes its default (WithDefaults). The output path is not part of it:
// only its format is.
type Spec struct {
	// Width and Height are the size in pixels, each 16–4096. When one is
	// 0 it follows the source's aspect ratio; when both are, the variant
	// has the source's size.
	Width, Height int
	// Fit is Cover, Contain or Fill; it matters only when both Width and
	// Height are set. Default Cover.
	Fit Fit
	// Anchor is the part a Cover crop keeps; only with Cover. Default
	// Center.
	Anchor Anchor
	// Background is the colour that pads a Contain fit ("#rgb",
	// "#rrggbb" or "#rrggbbaa"); only with Contain. Default transparent,
	// or white for JPEG, which has no transparency.
	Background string
	// Upscale allows a width or height larger than the source's.
	Upscale bool
	// Format is the file format, from the output's extension
	// (FormatOfPath).
	Format Format
	// Quality is the lossy encoders' quality, 1–100; only for JPEG,
	// AVIF and lossy WebP. Default Format.DefaultQuality.
	Quality int
	// Lossless writes a lossless WebP; only for WebP.
	Lossless bool
}

// twoSided reports whether both a width and a height are given, the
// only case where Fit and Anchor matter.
func (s Spec) twoSided() bool { return s.Width > 0 && s.Height > 0 }

// fit is the fit in effect: the one given, or Cover.
func (s Spec) fit() Fit {
	if s.Fit == "" {
		return Cover
	}
	return s.Fit
}

// WithDefaults returns the spec with every unset attribute that applies
// set to its default: Fit (Cover), Anchor (Center, for Cover),
// Background (for Contain: transparent, or white for JPEG) and Quality
// (for lossy formats). Two specs with the same defaults-filled form make
// the same bytes.
func (s Spec) WithDefaults() Spec {
	s.Fit = s.fit()
	if s.Anchor == "" && s.Fit == Cover {
		s.Anchor = Center
	}
	if s.Background == "" && s.Fit == Contain {
		s.Background = Transparent.String()
		if !s.Format.HasAlpha() {
			s.Background = White.String()
		}
	}
	if s.Quality == 0 && s.lossy() {
		s.Quality = s.Format.DefaultQuality()
	}
	return s
}

// lossy reports whether the spec's encoder is lossy (and so takes a
// quality).
func (s Spec) lossy() bool { return s.Format.HasQuality() && !(s.Format == WebP && s.Lossless) }
