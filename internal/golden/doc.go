// Package golden compares a test's output with a file under testdata/,
// or rewrites the file when the test runs with -update.
//
// Only tests import it. It imports nothing of imgform.
package golden
