package segmind_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/segmind/emulator"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
	"github.com/imgform/imgform/internal/waitfor"
	"github.com/jonboulle/clockwork"
)

// testKey is the key of the emulators and fake servers of the tests.
const testKey = "SG_test_key_0123456789abcdef"

// fastOptions is a quick, fault-free emulator with unlimited credits.
func fastOptions() emulator.Options {
	return emulator.Options{APIKey: testKey, Latency: 20 * time.Millisecond, Credits: -1}
}

// startEmulator runs emulator.New(opts) behind a real loopback server.
func startEmulator(t *testing.T, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	s := emulator.New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close() // first, so that a v1 request still waiting ends now
		ts.Close()
	})
	return s, ts.URL
}

// newClient returns a client of baseURL with the test key; edit changes
// the configuration first.
func newClient(t *testing.T, baseURL string, edit ...func(*segmind.Config)) *segmind.Client {
	t.Helper()
	cfg := segmind.Config{BaseURL: baseURL, APIKey: testKey, UserAgent: "imgform-test"}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := segmind.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient(%q): %v", baseURL, err)
	}
	return c
}

// withKey sets the API key of a client.
func withKey(key string) func(*segmind.Config) {
	return func(c *segmind.Config) { c.APIKey = key }
}

// withTimeouts sets both timeouts of a client.
func withTimeouts(d time.Duration) func(*segmind.Config) {
	return func(c *segmind.Config) { c.CallTimeout, c.SyncTimeout = d, d }
}

// withClock gives the client a clock the test drives.
func withClock(clock clockwork.Clock) func(*segmind.Config) {
	return func(c *segmind.Config) { c.Clock = clock }
}

// timerClock is a fake clock that tells the test the length of every
// timer set on it, once the timer is set: the event a test waits for
// before it moves the clock, and the wait it checks.
type timerClock struct {
	*clockwork.FakeClock
	timers chan time.Duration
}

func newTimerClock() *timerClock {
	return &timerClock{FakeClock: clockwork.NewFakeClock(), timers: make(chan time.Duration, 64)}
}

func (c *timerClock) NewTimer(d time.Duration) clockwork.Timer {
	t := c.FakeClock.NewTimer(d)
	c.timers <- d
	return t
}

// next waits for the next timer to be set and returns its length.
func (c *timerClock) next(t *testing.T, what string) time.Duration {
	t.Helper()
	select {
	case d := <-c.timers:
		return d
	case <-testContext(t).Done():
		t.Fatalf("no timer was set for %s", what)
		return 0
	}
}

// driveWait runs c.Wait for job, moving clock by every timer Wait sets,
// and returns what Wait returns.
func driveWait(t *testing.T, c *segmind.Client, clock *timerClock, job *model.Job) (*generate.Result, error) {
	t.Helper()
	type result struct {
		res *generate.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.Wait(testContext(t), job, generate.WaitOptions{})
		done <- result{res, err}
	}()
	for {
		select {
		case r := <-done:
			return r.res, r.err
		case d := <-clock.timers:
			clock.Advance(d)
		}
	}
}

// withExpected seeds the client's expected inference time, as a run does
// from the times its state recorded, so that Wait polls soon.
func withExpected(d time.Duration) func(*segmind.Config) {
	return func(c *segmind.Config) { c.InferenceTimes = []float64{d.Seconds()} }
}

// defaultRequest is the model's request with every optional parameter at
// its default and the given prompt.
func defaultRequest(prompt string) model.Request {
	return model.NewRequest(model.NewRealityLightning).With("prompt", model.String(prompt))
}

// request is a valid request with a fixed seed.
func request(prompt string) model.Request {
	return defaultRequest(prompt).WithSeed(42)
}

// withSamples is r asking for n images.
func withSamples(r model.Request, n int) model.Request {
	return r.With("samples", model.Int(int64(n)))
}

// testContext is bounded, so that a hang fails the test instead of the
// whole run.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// teach runs one job to completion with Submit and Status only, so that
// the client learns the server's inference time and Wait's first poll is
// no longer ~3 s away.
func teach(t *testing.T, c *segmind.Client) {
	t.Helper()
	ctx := testContext(t)
	job, err := c.Submit(ctx, request("a lighthouse used to teach the estimator"))
	if err != nil {
		t.Fatalf("teach: submit: %v", err)
	}
	var st *segmind.JobStatus
	if !waitfor.Until(time.Minute, func() bool {
		st, err = c.Status(ctx, job)
		return err != nil || st.Status == wire.StatusCompleted || st.Status == wire.StatusFailed
	}) {
		t.Fatal("teach: the job did not end in a minute")
	}
	switch {
	case err != nil:
		t.Fatalf("teach: status: %v", err)
	case st.Status == wire.StatusFailed:
		t.Fatalf("teach: job failed: %s", st.Error)
	}
}

// checkPNG decodes data as a PNG of the given size.
func checkPNG(t *testing.T, data []byte, width, height int) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode image (%d bytes): %v", len(data), err)
	}
	if format != "png" {
		t.Errorf("format = %q, want png", format)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Errorf("size = %dx%d, want %dx%d", b.Dx(), b.Dy(), width, height)
	}
}

// tinyPNG is a valid 3×2 PNG.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tinyJPEG is a valid 2×2 JPEG. Like every JPEG, its base64 form starts
// with "/9j/", which is also how a path starts.
func tinyJPEG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// b64 is the standard base64 of data.
func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

// apiError returns err as a *generate.Error, the client's one error type,
// failing the test when it is not.
func apiError(t *testing.T, err error) *generate.Error {
	t.Helper()
	e, ok := errors.AsType[*generate.Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *generate.Error", err, err)
	}
	return e
}

// serverMessage is what the server said in the answer err came from: its
// message without the HTTP status it starts with.
func serverMessage(e *generate.Error) string {
	status := segmind.StatusOf(e)
	if status == 0 {
		return e.Message
	}
	return strings.TrimPrefix(strings.TrimPrefix(e.Message, fmt.Sprintf("%d %s", status, http.StatusText(status))), ": ")
}

// serve runs handler behind a real loopback server.
func serve(t *testing.T, handler http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(handler)
	t.Cleanup(ts.Close)
	return ts
}

// jobAt is a job of the fake server at base whose expected inference time
// has long passed, as a job resumed from a journal: Wait polls it at once.
func jobAt(base, id string) *model.Job {
	return &model.Job{
		ID:          id,
		StatusURL:   base + wire.PathV2Requests + id + "/status",
		ResponseURL: base + wire.PathV2Requests + id,
		Submitted:   time.Now().Add(-time.Minute),
	}
}

// writeJSON answers with code and a JSON body given as text.
func writeJSON(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

// teeWriter passes an answer on and keeps its status code and body, so
// that a test can tell what its server answered. It unwraps, so that a
// handler can still hijack the connection.
type teeWriter struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (w *teeWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// seenStatus is the job status a status poll's answer tells the client,
// and false when the answer tells none (an error, a body that is not
// JSON): COMPLETED and FAILED whatever the HTTP status (FAILED comes with
// 422), any other status only with a 2xx, and no status at all as
// PROCESSING.
func seenStatus(code int, body []byte) (string, bool) {
	var b struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(body, &b) != nil {
		return "", false
	}
	switch {
	case b.Status == wire.StatusCompleted || b.Status == wire.StatusFailed:
		return b.Status, true
	case code < 200 || code > 299:
		return "", false
	case b.Status == "":
		return wire.StatusProcessing, true
	}
	return b.Status, true
}

// pollLog records, by job id, the statuses a server's status polls were
// answered with, in order: what Wait saw of each job.
type pollLog struct {
	mu    sync.Mutex
	byJob map[string][]string
}

// record wraps h, whose status polls are GET /v2/requests/{id}/status.
func (l *pollLog) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, wire.PathV2Requests)
		id, ok2 := strings.CutSuffix(rest, "/status")
		if !ok || !ok2 || r.Method != http.MethodGet {
			h.ServeHTTP(w, r)
			return
		}
		tw := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		if st, ok := seenStatus(tw.code, tw.body.Bytes()); ok {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.byJob == nil {
				l.byJob = map[string][]string{}
			}
			l.byJob[id] = append(l.byJob[id], st)
		}
	})
}

// of returns the statuses recorded for a job.
func (l *pollLog) of(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.byJob[id]...)
}

// forceBase64 wraps an API handler so that every generation request asks
// for base64 answers, which a caller of the client cannot ask for itself
// (the client asks for base64 only when one answer must carry several
// images): it checks that the client reads base64 answers too.
func forceBase64(t *testing.T, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Errorf("forceBase64: %s %s: %v", r.Method, r.URL.Path, err)
				http.Error(w, "bad body", http.StatusBadRequest)
				return
			}
			body["base64"] = true
			data, err := json.Marshal(body)
			if err != nil {
				t.Error(err)
			}
			r.Body = io.NopCloser(bytes.NewReader(data))
			r.ContentLength = int64(len(data))
		}
		h.ServeHTTP(w, r)
	})
}
