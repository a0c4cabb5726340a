// Package state owns imgform's state file (imgform.state.json): the model
// of what was generated (one entry per image address with its input hash,
// the resolved request and its outputs), the content hashes, the byte-
// stable JSON format, the atomic save with a backup, and the lock that
// keeps two runs from writing it at once.
//
// state imports only package segmind (for the request it records). It must
// not import spec, plan, apply or cmd. The file format is described in
// FORMAT.md beside this file.
package state
