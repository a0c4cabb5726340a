// Package cache is the content cache: every image the API made, kept by
// the input hash of its request, so that reverting a change or restoring a
// deleted output never pays again.
//
// Store is the port the images are kept behind: batch Has, Stat, Get
// verified against the hashes recorded at Put, Put with its metadata
// written last, List and Remove. cache/dir keeps them in a directory
// (.imgform/cache), cache/s3 in a bucket a team shares; cache/cachetest
// is the contract every store passes. Cache is the local store and, for
// a team, the shared one behind it (read locally first, every image put
// in both, entries copied between them by Push and Pull), and adds what
// does not depend on where the bytes are: the images' provenance checks,
// the lookups a plan makes (read once per process), which entries
// pruning removes, and, for a team, the list of uploads to the shared
// cache that are pending (Pending): an image whose upload stalled or
// failed is uploaded by the next command that reaches the shared cache.
//
// cache imports model and internal helpers.
package cache
