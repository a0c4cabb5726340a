// Package segmind knows the NewReality Lightning SDXL text-to-image API
// (Segmind model "sdxl1.0-newreality-lightning") and nothing else.
//
// It holds the model's request schema (the one table of parameters, types,
// ranges, defaults and schedulers that the spec language, the client, the
// emulator and the docs all read), the wire types of the v1 sync and v2
// async endpoints, and the HTTP client with its typed errors.
//
// It must not import any other imgform package: everything else imports it.
package segmind
