// Package cachetest is the contract of cache.Store as a conformance
// suite: every store (cache/dir, and those a team shares) runs Run in its
// tests and passes it.
//
// cachetest imports cache and model.
package cachetest
