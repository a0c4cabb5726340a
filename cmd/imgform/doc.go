// Command imgform is Terraform for generated images: it reads *.img.hcl
// files, plans what must be generated to make the files on disk match
// them, and applies that plan through the NewReality Lightning SDXL API.
//
// This package is the CLI only: flag parsing (spf13/pflag), one file per
// command, the choice of a view for each output (the views themselves
// are packages view and view/progress), the single place (exit.go) that
// turns errors and diagnostics into messages and exit codes, and the
// wiring of concrete parts to the engine's ports: the state store, which
// lists, creates and deletes workspaces and opens each one's state
// (state/local, or state/pg for a team), the cache stores (cache/dir,
// and cache/s3 shared by a team), the generator (segmind's client, or the
// offline renderer), and the local API (segmind/emulator, for imgform
// emulate). The work itself lives in the packages under internal/ that
// it imports.
package main
