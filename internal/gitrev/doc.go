// Package gitrev tells which commit a configuration is checked out at,
// and whether another commit is in its history, by asking git (the
// command, which every CI runner has): what a plan needs to leave alone
// the images a newer configuration changed.
//
// It is not a git library: outside a git working tree, or without git,
// there is no revision, and nothing is asked.
//
// gitrev imports nothing of imgform.
package gitrev
