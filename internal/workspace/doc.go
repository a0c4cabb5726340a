// Package workspace is what a command works on: the configuration of
// the working directory, the state of the selected workspace (locked
// when the command writes), the content cache, and the checkout's git
// history; and the commands' operations on it.
//
// Open gathers what a command needs (Need) and Workspace.Plan makes its
// plan; PrepareRun opens and locks what apply and preview run on, checks
// the key the plan needs and executes it (Run); Init sets a working
// directory up and says each step through a callback; SavePlan writes a
// plan file. The rest reads and edits the state (LoadState, EditState,
// PushState, Import, ForceUnlock), moves cache entries to and from the
// team's cache (CopyCache), prunes (PruneCache) and counts paid
// candidates (CandidatesPaid).
//
// The concrete backends are wired by the command line: a Wiring says how
// to make the state store and the shared cache the settings name, and
// how to read the configuration. workspace decides nothing about how a
// result is shown: it returns it, and calls back with progress and
// warnings. Its errors name what failed; the words a person reads about
// a missing key or a held lock are the view's.
//
// workspace imports internal/apply, internal/plan, internal/spec,
// internal/state, internal/cache, internal/generate, internal/gitrev and
// internal helpers.
package workspace
