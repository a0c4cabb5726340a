// Package imagetest makes the images tests and benchmarks need that are
// not placeholders (images of a real one's size, which do not compress),
// and reads PNG chunks back for tests to check.
//
// Only tests import it. It imports nothing of imgform.
package imagetest
