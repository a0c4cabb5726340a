// Package dir keeps the content cache in a directory (by default
// .imgform/cache beside the configuration): one directory per input hash
// under a two-character prefix, holding the images and a meta.json
// written last. Files are written atomically; a crash leaves at worst an
// entry without meta.json, which is incomplete, never served, and pruned.
//
// It implements cache.Store and passes cache/cachetest. It imports cache,
// model and internal helpers.
package dir
