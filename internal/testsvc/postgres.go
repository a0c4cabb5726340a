//go:build !windows

package testsvc

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// EnvPostgres names a running PostgreSQL for the tests, as a connection
// string (postgres://user@host:port/db).
const EnvPostgres = "IMGFORM_TEST_PG_URL"

var pg struct {
	once sync.Once
	url  string
	err  error
}

// PostgreSQL returns the connection string of a PostgreSQL the test may
// use: the one EnvPostgres names, or a throwaway cluster started once for
// this test binary. Tests share it; each keeps to a schema of its own.
func PostgreSQL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvPostgres); u != "" {
		return u
	}
	pg.once.Do(func() { pg.url, pg.err = startPostgres() })
	if pg.err != nil {
		unavailable(t, "PostgreSQL", "install Debian's postgresql (apt-get install -y postgresql), or set "+EnvPostgres+" to a running server", pg.err)
	}
	return pg.url
}

// startPostgres makes a cluster in a temporary directory with initdb and
// runs postgres on it, on a free loopback port, with trust auth on
// loopback only. As root, both run as the postgres user (initdb refuses
// root).
func startPostgres() (string, error) {
	binDirs := []string{"/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin"}
	initdb, err := findProgram("initdb", binDirs...)
	if err != nil {
		return "", err
	}
	postgres := filepath.Join(filepath.Dir(initdb), "postgres")
	dir, err := os.MkdirTemp("", "imgform-test-pg-")
	if err != nil {
		return "", err
	}
	cred, err := postgresCredential(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	data := filepath.Join(dir, "data")
	log := filepath.Join(dir, "log")
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.SysProcAttr = childAttr(cred)
		return cmd
	}
	if out, err := run(initdb, "-D", data, "-U", "imgform", "-A", "trust", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	logFile, err := os.Create(log)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if cred != nil {
		_ = logFile.Chown(int(cred.Uid), int(cred.Gid))
	}
	cmd := run(postgres, "-D", data, "-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		os.RemoveAll(dir)
		return "", fmt.Errorf("starting postgres: %w", err)
	}
	logFile.Close()
	r := &running{cmd: cmd, dir: dir, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(r.done) }()
	started(r)
	if err := waitListening(fmt.Sprintf("127.0.0.1:%d", port), cmd, r.done, log); err != nil {
		return "", err
	}
	if err := waitLogged(log, "database system is ready to accept connections", cmd, r.done); err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://imgform@127.0.0.1:%d/postgres?sslmode=disable", port), nil
}

// postgresCredential is the postgres user's, when this process is root,
// with dir given to it; nil otherwise.
func postgresCredential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and there is no postgres user to run the cluster as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
