// Package derive makes an image's variants: the sizes, crops and formats
// a team ships (a 256 px WebP thumbnail, a 1200×630 JPEG social card, …),
// derived from the one generated image, deterministically and with
// provenance. It is the codecs behind internal/variant, which says what a
// variant is (variant.Spec, its validation, hash and layout).
//
// What it is: Source and Derive: decode a PNG or JPEG once, then
// resample, crop or pad as the spec's variant.Layout says, and encode
// (PNG, JPEG, WebP, AVIF) each variant, with the caller's provenance in
// the file's metadata (PNG text chunks; a one-line XMP packet in a JPEG,
// with a comment, in a WebP, and as an AVIF metadata item);
// ReadProvenance reads it back.
//
// The same source and variant.Spec give the same bytes on every machine,
// OS and GOARCH: the resampler is fixed-point integer arithmetic on 8-bit
// samples (its weights come from float code written so that no
// multiply-add can be fused), PNG and JPEG are Go's own encoders, and
// WebP and AVIF are libwebp and libavif compiled to WebAssembly (the
// modules in wasm/, from github.com/gen2brain/webp and /avif) run by
// wazero from this package, so a libwebp or libavif installed on the
// machine is never used. A change of Go's image/png, compress/flate or
// image/jpeg output, of the WebAssembly modules or of the resampler
// changes the bytes: the golden hashes in the tests catch it, and
// variant.HashVersion must then be raised.
//
// What it is not: it does not read HCL, know image addresses, files,
// the state or the cache; it takes bytes and gives bytes. It runs
// nothing concurrently itself: a caller derives many variants at once by
// calling it from several goroutines (Source is safe for that).
//
// It imports internal/variant (the spec it derives, its layout and
// background colour), internal/pngtext (for PNG text chunks) and
// internal/imagecheck (for the size check before decoding). Its tests
// also use internal/placeholder, internal/provenance, internal/imagetest
// and model.
package derive
