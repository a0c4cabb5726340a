// Package plan compares the desired images (from spec) with the state and
// the files on disk, and says for every image address what apply must do
// and why: create, replace, move, restore, derive (only the variants
// changed), delete, or nothing. It leaves alone an image a newer
// configuration than this checkout's changed (asking a History, which
// internal/gitrev answers), and lists the candidates of an image that has
// them. It holds the plan's public form (Document, described in
// docs/plan-json.md), saves and loads plan files, applies renames to a
// state (moved blocks and imgform state mv), and totals what each block
// cost (Costs). It holds the rules a run is bounded by (Limits from the
// flags and settings through ResolveLimits; CheckBudget refuses a plan
// that costs more than allowed) and the edits of the state the state
// commands make in memory: choosing addresses by pattern
// (SelectAddresses, SelectRecorded), removing them (RemoveFromState), and
// the hashes a state still refers to (StateHashes). A plan names the
// files it read that git has not committed (Plan.UncommittedFiles).
// Rendering is package view's.
//
// plan imports spec, state, cache (through the Cache it is given), model,
// variant and internal helpers. It must not import apply or cmd, and it
// never writes an output or a state to disk: it reads, and edits the
// state it is handed in memory.
package plan
