package emulator

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// syncBuffer is a log writer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeLogsAndShutsDownGracefully: Serve logs one line per request
// without the key, and on cancel lets a request in flight finish, then
// returns nil.
func TestServeLogsAndShutsDownGracefully(t *testing.T) {
	var logs syncBuffer
	opts := testOptions()
	opts.Latency = 200 * time.Millisecond
	opts.Log = &logs
	s := New(opts)
	defer s.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, s) }()

	if a := get(t, base+wire.PathCredits); a.status != http.StatusOK {
		t.Fatalf("credits: %d", a.status)
	}
	call(t, http.MethodGet, base+wire.PathCredits, "SG_wrong_key_value", "")

	inFlight := make(chan answer, 1)
	go func() {
		a, err := postJSON(base+wire.PathV1Generate, `{"prompt": "castle"}`)
		if err != nil {
			t.Error(err)
		}
		inFlight <- a
	}()
	waitFor(t, 30*time.Second, "the v1 request to start", func() bool { return s.Stats().InProgress == 1 })
	cancel()

	if a := <-inFlight; a.status != http.StatusOK {
		t.Errorf("the request in flight during shutdown got %d, want 200", a.status)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve returned %v, want nil", err)
		}
	case <-time.After(shutdownTimeout + time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
	if _, err := http.Get(base + StatsPath); err == nil {
		t.Error("the server still answers after Serve returned")
	}

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), logs.String())
	}
	line := regexp.MustCompile(`^\S+Z (GET|POST) (/\S+) (\d{3}) \S+s$`)
	wantStatus := map[string]int{"200": 2, "401": 1}
	for _, l := range lines {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("log line %q does not read: time method path status duration", l)
			continue
		}
		wantStatus[m[3]]--
	}
	for code, n := range wantStatus {
		if n != 0 {
			t.Errorf("status %s logged %d times too few", code, n)
		}
	}
	for _, key := range []string{testKey, "SG_wrong_key_value"} {
		if strings.Contains(logs.String(), key) {
			t.Errorf("the log contains a key:\n%s", logs.String())
		}
	}
}

func TestServeListenerFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	s := New(testOptions())
	defer s.Close()
	if err := Serve(context.Background(), ln, s); err == nil {
		t.Error("Serve on a closed listener returned nil")
	}
}
