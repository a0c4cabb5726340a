// Package workspace is what a command works on: the configuration of
// the working directory, the state of the selected workspace (locked
// when the command writes), the content cache, and the checkout's git
// history; and the commands' operations on it that are not a plan's
// or a run's: reading and editing the state (list, rm, mv, push), moving
// cache entries to and from the team's cache, pruning, importing files,
// and counting paid candidates.
//
// The concrete backends are wired by the command line: a Wiring says how
// to make the state store and the shared cache the settings name, and
// how to read the configuration. workspace decides nothing about how a
// result is shown: it returns it, and calls back with warnings.
//
// workspace imports internal/apply, internal/plan, internal/spec,
// internal/state, internal/cache, internal/generate, internal/gitrev and
// internal helpers.
package workspace
