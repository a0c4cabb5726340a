//go:build !windows

package testsvc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// The variables that name a running S3 server for the tests.
const (
	EnvS3Endpoint  = "IMGFORM_TEST_S3_ENDPOINT" // http://127.0.0.1:7070
	EnvS3AccessKey = "IMGFORM_TEST_S3_ACCESS_KEY"
	EnvS3SecretKey = "IMGFORM_TEST_S3_SECRET_KEY"
)

// S3Server is an S3 endpoint and the root keys of it.
type S3Server struct {
	Endpoint             string // http://host:port
	AccessKey, SecretKey string
	Region               string
	// Root is the directory versitygw's posix backend keeps the buckets
	// in (an object is the file Root/BUCKET/KEY), for tests that damage
	// an object behind the server's back; "" for a server named by the
	// environment.
	Root string
}

var s3srv struct {
	once sync.Once
	srv  S3Server
	err  error
}

// S3 returns an S3 server the test may use: the one EnvS3Endpoint names,
// or versitygw started once for this test binary with its posix backend
// in a temporary directory. Tests share it; each keeps to buckets of its
// own.
func S3(t testing.TB) S3Server {
	t.Helper()
	if e := os.Getenv(EnvS3Endpoint); e != "" {
		return S3Server{Endpoint: e, AccessKey: os.Getenv(EnvS3AccessKey), SecretKey: os.Getenv(EnvS3SecretKey), Region: "us-east-1"}
	}
	s3srv.once.Do(func() { s3srv.srv, _, s3srv.err = startVersitygw() })
	if s3srv.err != nil {
		unavailable(t, "an S3 server", "install versitygw (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0), or set "+EnvS3Endpoint+", "+EnvS3AccessKey+" and "+EnvS3SecretKey, s3srv.err)
	}
	return s3srv.srv
}

// StallableS3 is an S3 server of one test's own, which the test may stall
// (Stall: the process stops, so that connections are accepted and never
// answered, as a server that hangs) and resume.
type StallableS3 struct {
	S3Server
	proc *running
}

// NewStallableS3 starts versitygw for t alone, stopped when the test binary's
// services are. It is skipped (failed under CI) like S3 when versitygw is
// missing, and when EnvS3Endpoint names a server: one the test did not
// start cannot be stalled.
func NewStallableS3(t testing.TB) *StallableS3 {
	t.Helper()
	if os.Getenv(EnvS3Endpoint) != "" {
		unavailable(t, "an S3 server the test may stall", "unset "+EnvS3Endpoint, fmt.Errorf("%s names a server of its own", EnvS3Endpoint))
	}
	srv, r, err := startVersitygw()
	if err != nil {
		unavailable(t, "an S3 server", "install versitygw (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)", err)
	}
	return &StallableS3{S3Server: srv, proc: r}
}

// Stall stops the server's process (SIGSTOP): requests hang.
func (s *StallableS3) Stall(t testing.TB) {
	t.Helper()
	if err := s.proc.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("stalling versitygw: %v", err)
	}
}

// Resume lets the stalled server go on (SIGCONT).
func (s *StallableS3) Resume(t testing.TB) {
	t.Helper()
	if err := s.proc.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatalf("resuming versitygw: %v", err)
	}
}

func startVersitygw() (S3Server, *running, error) {
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	bin, err := findProgram("versitygw", filepath.Join(gopath, "bin"))
	if err != nil {
		return S3Server{}, nil, err
	}
	dir, err := os.MkdirTemp("", "imgform-test-s3-")
	if err != nil {
		return S3Server{}, nil, err
	}
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		os.RemoveAll(dir)
		return S3Server{}, nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return S3Server{}, nil, err
	}
	srv := S3Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), AccessKey: "imgformtest", SecretKey: "imgformtestsecret", Region: "us-east-1", Root: root}
	log := filepath.Join(dir, "log")
	logFile, err := os.Create(log)
	if err != nil {
		os.RemoveAll(dir)
		return S3Server{}, nil, err
	}
	cmd := exec.Command(bin, "--port", fmt.Sprintf("127.0.0.1:%d", port), "--quiet", "posix", root)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+srv.AccessKey, "ROOT_SECRET_KEY="+srv.SecretKey)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childAttr(nil)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		os.RemoveAll(dir)
		return S3Server{}, nil, fmt.Errorf("starting versitygw: %w", err)
	}
	logFile.Close()
	r := &running{cmd: cmd, dir: dir, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(r.done) }()
	started(r)
	if err := waitListening(fmt.Sprintf("127.0.0.1:%d", port), cmd, r.done, log); err != nil {
		return S3Server{}, nil, err
	}
	return srv, r, nil
}
