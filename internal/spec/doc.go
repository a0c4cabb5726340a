// Package spec reads the *.img.hcl files of a configuration directory into
// the desired set of images: every variable, local, default, for_each and
// count evaluated, every parameter checked against the model's schema, and
// every problem reported as an hcl.Diagnostic with its source range.
// Beside the images it reads the moved blocks, the candidates of an image
// with the team's picks (internal/picks) applied, and the imgform block
// (Settings: where the state and the cache are kept; LoadSettings reads
// only that block).
//
// It works in two stages, the way opentofu's configs package does: decode
// the files into a source model that keeps expressions unevaluated (with
// their ranges), then evaluate that model into resolved images.
//
// spec imports model (the parameter schema every attribute is checked
// against), variant (what a variant block resolves to, and its
// validation) and internal helpers. It must not import state, plan, apply or
// cmd: it knows nothing of what exists on disk beyond the configuration
// itself and the files it reads with file().
package spec
