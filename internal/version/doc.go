// Package version is imgform's version. Its one source is the file
// VERSION beside this package, embedded into every build: the release
// it is ("0.5.0"), or the next one with "-dev" between releases
// ("0.5.0-dev"). Whatever the build flags (-buildvcs=false, -trimpath, a
// tarball without .git), the binary knows its version; the commit and
// its date are added when the build knows them: stamped by the release
// build (-X, see .goreleaser.yaml) or recorded by go build from a clone.
//
// To release: set VERSION to the release ("0.5.0"), name it in
// CHANGELOG.md, commit, tag v0.5.0; then set VERSION to the next one
// with "-dev".
//
// version imports nothing of imgform.
package version
