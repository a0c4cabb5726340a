package testsvc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// unavailable skips a test that needs a service that is not there, or
// fails it under CI.
func unavailable(t testing.TB, what, how string, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not available under CI: %v (%s)", what, err, how)
	}
	t.Skipf("%s is not available (%v); %s", what, err, how)
}

// freePort returns a loopback port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits until something accepts connections on addr.
func waitListening(addr string, cmd *exec.Cmd, exited <-chan struct{}, log string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("%s exited at start: %s", filepath.Base(cmd.Path), tail(log))
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not listen on %s within a minute: %s", filepath.Base(cmd.Path), addr, tail(log))
}

// waitLogged waits until the log file of a server holds line: the
// server's own word that it is ready, where a port that accepts
// connections is not (PostgreSQL listens while it is still starting up,
// and answers "the database system is starting up").
func waitLogged(log, line string, cmd *exec.Cmd, exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(log); err == nil && strings.Contains(string(data), line) {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited at start: %s", filepath.Base(cmd.Path), tail(log))
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not log %q within a minute: %s", filepath.Base(cmd.Path), line, tail(log))
}

// tail is the end of a log file, for an error.
func tail(path string) string {
	data, _ := os.ReadFile(path)
	s := strings.TrimSpace(string(data))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}

// findProgram looks for name on PATH, then in dirs (globs), newest
// first.
func findProgram(name string, dirs ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, pattern := range dirs {
		matches, _ := filepath.Glob(filepath.Join(pattern, name))
		sort.Sort(sort.Reverse(sort.StringSlice(matches)))
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && fi.Mode()&0o111 != 0 {
				return m, nil
			}
		}
	}
	return "", fmt.Errorf("%s is not installed (looked on PATH and in %s)", name, strings.Join(dirs, ", "))
}

// running is a started service, stopped by Stop.
type running struct {
	cmd  *exec.Cmd
	dir  string
	done chan struct{}
}

var (
	mu       sync.Mutex
	services []*running
)

func started(r *running) {
	mu.Lock()
	defer mu.Unlock()
	services = append(services, r)
}

// replaced puts the new process of a restarted service in the old one's
// place, for Stop.
func replaced(old, r *running) {
	mu.Lock()
	defer mu.Unlock()
	for i, s := range services {
		if s == old {
			services[i] = r
			return
		}
	}
	services = append(services, r)
}

// Stop stops the services this process started and removes their files.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range services {
		_ = s.cmd.Process.Kill()
		<-s.done
		os.RemoveAll(s.dir)
	}
	services = nil
}

// Chromium returns the path of a Chromium (or Chrome) for browser tests.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	unavailable(t, "Chromium", "install Debian's chromium (apt-get install -y chromium)", errors.New("no chromium, chromium-browser or google-chrome on PATH"))
	return ""
}
