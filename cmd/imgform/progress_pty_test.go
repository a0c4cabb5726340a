//go:build linux || darwin

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/imgform/imgform/internal/waitfor"
)

// screen collects what a program writes to its terminal.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// statusLine is the progress line as the terminal shows it now: the last
// one drawn (after the last carriage return) that holds the status.
func (s *screen) statusLine() string {
	text := s.String()
	for _, seg := range slicesReverse(regexp.MustCompile(`[\r\n]`).Split(text, -1)) {
		if strings.Contains(seg, "in flight") {
			return seg
		}
	}
	return ""
}

func slicesReverse(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[len(in)-1-i] = s
	}
	return out
}

var elapsedRE = regexp.MustCompile(`elapsed ([0-9.]+)(ms|s)`)

func elapsedOf(t *testing.T, line string) time.Duration {
	t.Helper()
	m := elapsedRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no elapsed time in the status line %q", line)
	}
	d, err := time.ParseDuration(m[1] + m[2])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The progress display as a user sees it, under a pseudo-terminal: while
// jobs run and none has finished, the status line is redrawn on a timer
// (its elapsed time moves, the submitted jobs count as in flight), the
// first Ctrl-C is answered at once, and at the end every finished image
// is a line above the bar and the bar did not jump to 100%.
func TestProgressOnATerminal(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.img.hcl": `image "tile" {
  count  = 4
  prompt = "tile ${count.index}"
  output = "tiles/${count.index}.png"
}
`})
	base, stop, err := launchEmulator(os.Getenv("PATH"), t.TempDir(), []string{"--latency", "2500ms", "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cmd := exec.Command("imgform", "-C", dir, "apply", "--auto-approve", "--parallelism", "2")
	cmd.Env = append(os.Environ(), "SEGMIND_BASE_URL="+base, "SEGMIND_API_KEY=test-key", "NO_COLOR=1", "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var scr screen
	copied := make(chan struct{})
	go func() { io.Copy(&scr, tty); close(copied) }()

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		if !waitfor.Until(60*time.Second, ok) {
			t.Fatalf("waited 60s for %s; the screen:\n%s", what, scr.String())
		}
	}
	// Two jobs in flight; they end after 2.5 s on the server, and are
	// polled later still (the first poll waits the model's published
	// time). Until then nothing finishes, yet the line is redrawn on a
	// timer: a later line shows more time elapsed, and the same counts.
	inFlight := func(line string) bool {
		return strings.Contains(line, "2 in flight (2 submitted)") && strings.Contains(line, "0/4")
	}
	waitFor("two jobs in flight", func() bool { l := scr.statusLine(); return inFlight(l) && elapsedRE.MatchString(l) })
	first := scr.statusLine()
	var second string
	waitFor("a redraw with more time elapsed", func() bool {
		second = scr.statusLine()
		return elapsedRE.MatchString(second) && elapsedOf(t, second) > elapsedOf(t, first)
	})
	if !inFlight(second) {
		t.Errorf("status line %q after %q: want 0/4 done and the 2 submitted jobs in flight, redrawn on a timer with nothing finished", second, first)
	}

	// The first Ctrl-C is answered at once, before the two in flight
	// finish (they finish after it).
	tty.Write([]byte{3})
	waitFor("the answer to Ctrl-C", func() bool { return strings.Contains(scr.String(), "Interrupt received: finishing 2 images in flight") })
	cmd.Wait()
	<-copied
	out := scr.String()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d, want 130:\n%s", code, out)
	}
	for _, want := range []string{"image.tile[0]: created in", "image.tile[1]: created in", "Stopped at 2 of 4", "Apply interrupted. 2 created"} {
		if !strings.Contains(out, want) {
			t.Errorf("the screen lacks %q:\n%s", want, out)
		}
	}
	if answer, done := strings.Index(out, "Interrupt received"), strings.Index(out, "image.tile[0]: created in"); done >= 0 && answer > done {
		t.Errorf("the Ctrl-C was answered only after an image in flight finished:\n%s", out)
	}
	if strings.Contains(out, "4/4") || strings.Contains(out, "100%") {
		t.Errorf("the bar jumped to the end on an interrupt:\n%s", out)
	}
}
