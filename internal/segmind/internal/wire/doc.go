// Package wire is the Segmind API on the wire, as the client (package
// segmind) sends and reads it and the emulator serves it: paths, headers,
// job states and the JSON bodies. It is internal to segmind: a user of the
// client never sees it. It imports model.
package wire
