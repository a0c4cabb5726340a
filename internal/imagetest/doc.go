// Package imagetest makes the images tests and benchmarks need that are
// not placeholders (images of a real one's size, which do not compress),
// reads PNG chunks back for tests to check, and damages files as a disk
// would.
//
// Only tests import it. It imports nothing of imgform.
package imagetest
