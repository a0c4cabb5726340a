// Package variant says what a variant of an image is: the size, crop and
// format a team ships beside the generated image (a 256 px WebP
// thumbnail, a 1200×630 JPEG social card, …), as a value, with no codec
// behind it.
//
// What it is:
//
//   - Spec, a variant's resolved attributes (size, fit, anchor,
//     background, upscale, format, quality, lossless), their defaults
//     (WithDefaults), validation whose errors name the attribute
//     (AttributeError, AttributeErrors), and Spec.Hash, the canonical
//     versioned hash the state records (CanonicalEncoding, HashVersion,
//     Attributes);
//   - Format and FormatOfPath, the output formats by file extension;
//   - Spec.OutputSize and Spec.Layout, the geometry of a variant: its
//     size, and where each of its pixels comes from in the source;
//   - Colour and ParseColour, the background a Contain fit pads with.
//
// What it is not: it decodes, resamples and encodes nothing;
// internal/derive makes the bytes a Spec describes. So spec, plan and
// view can name a variant, check it and show it without linking a codec.
//
// variant imports nothing of imgform.
package variant
