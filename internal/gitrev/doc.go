// Package gitrev tells which commit a configuration is checked out at,
// and whether another commit is in its history, by asking git (the
// command, which every CI runner has): what a plan needs to leave alone
// the images a newer configuration changed. For an image made from
// changes not yet committed, it says which files differ from the commit
// checked out (Uncommitted, by their git object ids), and later whether a
// checkout holds those changes, in its files or in a commit (Holds).
//
// It is not a git library: outside a git working tree, or without git,
// there is no revision, and nothing is asked.
//
// gitrev imports nothing of imgform.
package gitrev
