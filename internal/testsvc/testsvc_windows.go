package testsvc

import (
	"errors"
	"testing"
)

// EnvPostgres and the S3 variables name running services (see the other
// systems' files); on Windows nothing is started.
const (
	EnvPostgres    = "IMGFORM_TEST_PG_URL"
	EnvS3Endpoint  = "IMGFORM_TEST_S3_ENDPOINT"
	EnvS3AccessKey = "IMGFORM_TEST_S3_ACCESS_KEY"
	EnvS3SecretKey = "IMGFORM_TEST_S3_SECRET_KEY"
)

// S3Server is an S3 endpoint and the root keys of it.
type S3Server struct {
	Endpoint             string
	AccessKey, SecretKey string
	Region               string
	Root                 string
}

// Cluster is a PostgreSQL cluster a test may restart; none on Windows.
type Cluster struct{ URL string }

// RestartablePostgreSQL is unavailable on Windows.
func RestartablePostgreSQL(t testing.TB) *Cluster {
	unavailable(t, "PostgreSQL", "run the tests on Linux", errWindows)
	return nil
}

// Restart does nothing: there is no cluster on Windows.
func (c *Cluster) Restart(testing.TB) {}

var errWindows = errors.New("the test services are started on Linux and macOS only")

// PostgreSQL is unavailable on Windows.
func PostgreSQL(t testing.TB) string {
	unavailable(t, "PostgreSQL", "run the tests on Linux", errWindows)
	return ""
}

// StallableS3 is an S3 server a test may stall; none on Windows.
type StallableS3 struct{ S3Server }

// NewStallableS3 is unavailable on Windows.
func NewStallableS3(t testing.TB) *StallableS3 {
	unavailable(t, "an S3 server", "run the tests on Linux", errWindows)
	return nil
}

// Stall does nothing: there is no server on Windows.
func (s *StallableS3) Stall(testing.TB) {}

// Resume does nothing: there is no server on Windows.
func (s *StallableS3) Resume(testing.TB) {}

// S3 is unavailable on Windows.
func S3(t testing.TB) S3Server {
	unavailable(t, "an S3 server", "run the tests on Linux", errWindows)
	return S3Server{}
}
