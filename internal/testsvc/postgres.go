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

// startPostgres makes a cluster and starts it, for the tests to share.
func startPostgres() (string, error) {
	c, err := newCluster()
	if err != nil {
		return "", err
	}
	if err := c.start(); err != nil {
		return "", err
	}
	return c.URL, nil
}

// Cluster is a PostgreSQL cluster of one test's own, which the test may
// restart (as a server restarts under a team, ending every session).
type Cluster struct {
	URL string

	postgres, dir, data, log string
	port, starts             int
	cred                     *syscall.Credential
	cur                      *running
}

// RestartablePostgreSQL starts a cluster for t alone, stopped when the
// test binary's services are. It is skipped (failed under CI) like
// PostgreSQL when the programs are missing, and when EnvPostgres names a
// server: one the test did not start cannot be restarted.
func RestartablePostgreSQL(t testing.TB) *Cluster {
	t.Helper()
	if os.Getenv(EnvPostgres) != "" {
		unavailable(t, "a PostgreSQL the test may restart", "unset "+EnvPostgres, fmt.Errorf("%s names a server of its own", EnvPostgres))
	}
	c, err := newCluster()
	if err == nil {
		err = c.start()
	}
	if err != nil {
		unavailable(t, "PostgreSQL", "install Debian's postgresql (apt-get install -y postgresql)", err)
	}
	return c
}

// Restart stops the server with a fast shutdown (its sessions end) and
// starts it again on the same port and data.
func (c *Cluster) Restart(t testing.TB) {
	t.Helper()
	if err := c.cur.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("stopping postgres: %v", err)
	}
	<-c.cur.done
	if err := c.start(); err != nil {
		t.Fatalf("starting postgres again: %v", err)
	}
}

// newCluster makes a cluster in a temporary directory with initdb, with
// trust auth on loopback only, on a free port. As root, it runs as the
// postgres user (initdb refuses root).
func newCluster() (*Cluster, error) {
	binDirs := []string{"/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin"}
	initdb, err := findProgram("initdb", binDirs...)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "imgform-test-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{postgres: filepath.Join(filepath.Dir(initdb), "postgres"), dir: dir, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "log")}
	if c.cred, err = postgresCredential(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if out, err := c.command(initdb, "-D", c.data, "-U", "imgform", "-A", "trust", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	if c.port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.URL = fmt.Sprintf("postgres://imgform@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	return c, nil
}

func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = c.dir
	cmd.SysProcAttr = childAttr(c.cred)
	return cmd
}

// start runs postgres on the cluster, logging to a log file of this
// start's own, and waits until it is ready.
func (c *Cluster) start() error {
	c.starts++
	log := fmt.Sprintf("%s.%d", c.log, c.starts)
	logFile, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if c.cred != nil {
		_ = logFile.Chown(int(c.cred.Uid), int(c.cred.Gid))
	}
	cmd := c.command(c.postgres, "-D", c.data, "-p", strconv.Itoa(c.port), "-k", c.dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting postgres: %w", err)
	}
	logFile.Close()
	r := &running{cmd: cmd, dir: c.dir, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(r.done) }()
	if c.cur == nil {
		started(r)
	} else {
		replaced(c.cur, r)
	}
	c.cur = r
	// Ready when it says so: it refuses connections while it starts up,
	// although its port answers.
	return waitLogged(log, "database system is ready to accept connections", cmd, r.done)
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
