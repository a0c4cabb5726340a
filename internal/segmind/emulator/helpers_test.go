package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/imagetest"

	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
	"github.com/imgform/imgform/internal/waitfor"
)

const testKey = "SG_testkey_0123456789abcdef"

// testOptions is a fast, fault-free emulator with unlimited credits.
func testOptions() Options {
	return Options{APIKey: testKey, Latency: 20 * time.Millisecond, Credits: -1}
}

// startServer runs New(opts) behind a real loopback HTTP server.
func startServer(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return s, ts.URL
}

// answer is an HTTP answer read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request; key "" sends no x-api-key header.
func call(t *testing.T, method, url, key, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatalf("new request %s %s: %v", method, url, err)
	}
	if key != "" {
		req.Header.Set(wire.HeaderAPIKey, key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return send(t, req)
}

// send does req and reads the answer in full.
func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	a, err := do(req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// do does req and reads the answer in full; safe in any goroutine.
func do(req *http.Request) (answer, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// postJSON posts body with the test key; safe in any goroutine.
func postJSON(url, body string) (answer, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set(wire.HeaderAPIKey, testKey)
	req.Header.Set("Content-Type", "application/json")
	return do(req)
}

func post(t *testing.T, url, body string) answer {
	t.Helper()
	return call(t, http.MethodPost, url, testKey, body)
}

func get(t *testing.T, url string) answer {
	t.Helper()
	return call(t, http.MethodGet, url, testKey, "")
}

// decode parses a JSON answer body into T.
func decode[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, a.body, err)
	}
	return v
}

// errorOf returns the "error" of a JSON error body, failing the test when
// the body is not one.
func errorOf(t *testing.T, a answer) string {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error answer Content-Type = %q, want application/json", ct)
	}
	e := decode[wire.ErrorBody](t, a)
	if e.Error == "" {
		t.Fatalf("error body %q has no error text", a.body)
	}
	return e.Error
}

// waitFor waits until cond holds, failing the test when it does not
// within the timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !waitfor.Until(timeout, cond) {
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}

// submit posts a v2 job and returns its submit answer.
func submit(t *testing.T, base, body string) wire.SubmitResponse {
	t.Helper()
	a := post(t, base+wire.PathV2Submit, body)
	if a.status != http.StatusOK {
		t.Fatalf("submit: status %d, body %s", a.status, a.body)
	}
	return decode[wire.SubmitResponse](t, a)
}

// pollStates polls a status URL until the job is COMPLETED or FAILED and
// returns the distinct states seen, in order, and the last answer.
func pollStates(t *testing.T, statusURL string) ([]string, answer) {
	t.Helper()
	var states []string
	var last answer
	ended := func() bool {
		last = get(t, statusURL)
		st := decode[wire.StatusResponse](t, last)
		if len(states) == 0 || states[len(states)-1] != st.Status {
			states = append(states, st.Status)
		}
		return st.Status == wire.StatusCompleted || st.Status == wire.StatusFailed
	}
	if !waitfor.Until(30*time.Second, ended) {
		t.Fatalf("job still %s after 30s", states[len(states)-1])
	}
	return states, last
}

// pngChunks lists the chunk types of PNG data, and the data of its tEXt
// chunks by keyword.
func pngChunks(t *testing.T, data []byte) ([]string, map[string]string) {
	t.Helper()
	types, texts, err := imagetest.Chunks(data)
	if err != nil {
		t.Fatal(err)
	}
	return types, texts
}

// placeholderMetaOf returns the decoded placeholder text chunk of a PNG.
func placeholderMetaOf(t *testing.T, data []byte) placeholder.Meta {
	t.Helper()
	_, texts := pngChunks(t, data)
	text, ok := texts[placeholder.Keyword]
	if !ok {
		t.Fatalf("PNG has no %s text chunk", placeholder.Keyword)
	}
	var m placeholder.Meta
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("placeholder chunk %q: %v", text, err)
	}
	return m
}
