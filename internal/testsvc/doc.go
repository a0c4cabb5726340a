// Package testsvc gives tests the real services imgform's team features
// run on: a PostgreSQL cluster and an S3 server (versitygw). Each is taken
// from the environment when a running one is named there
// (IMGFORM_TEST_PG_URL; IMGFORM_TEST_S3_ENDPOINT with its keys), or
// started for the test binary from the installed programs (Debian's
// postgresql: initdb and postgres as the postgres user in a temporary
// directory; versitygw with its posix backend), and stopped with it: the
// children are killed with the process even when it dies.
//
// Without either, a test that needs the service is skipped with a message
// saying how to get one, except under CI=true, where it fails: CI must run
// everything. Call Stop at the end of TestMain.
//
// It imports nothing of imgform.
package testsvc
