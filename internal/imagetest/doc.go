// Package imagetest makes the images tests and benchmarks need that are
// not placeholders: images of a real one's size, which do not compress.
//
// Only tests import it. It imports nothing of imgform.
package imagetest
