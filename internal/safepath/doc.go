// Package safepath decides whether a path is one imgform may write,
// rename or remove: relative to the configuration directory, clean and
// slash-separated, inside that directory and outside imgform's own
// .imgform, and not through a symbolic link that leads elsewhere.
//
// The configuration's output paths are checked when they are read
// (package spec turns the errors into diagnostics); the same rules are
// checked again where a path is used (package apply, import), because a
// path may also come from a state or a plan file, and a symbolic link may
// appear after the plan was made.
//
// It imports nothing of imgform.
package safepath
