package segmind_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// The v2 client against hand-written servers: submit answers, FAILED
// jobs, output shapes and Wait's retries; and the error values.

func TestSubmitAnswerIncomplete(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{name: "empty object", status: 200, body: `{}`},
		{name: "no request_id", status: 200, body: `{"status":"QUEUED","status_url":"http://x/s","response_url":"http://x/r"}`},
		{name: "empty request_id", status: 200, body: `{"request_id":"","status_url":"http://x/s","response_url":"http://x/r"}`},
		{name: "no URLs", status: 200, body: `{"request_id":"r1","status":"QUEUED"}`},
		{name: "no response_url, 202", status: 202, body: `{"request_id":"r1","status_url":"http://x/s"}`},
		{name: "not JSON", status: 200, body: `OK`},
		{name: "request_id not a string", status: 200, body: `{"request_id":17,"status_url":"http://x/s","response_url":"http://x/r"}`},
		{name: "URL not http", status: 200, body: `{"request_id":"r1","status_url":"ftp://x/s","response_url":"http://x/r"}`},
		{name: "URL unparsable", status: 200, body: `{"request_id":"r1","status_url":"http://x/s","response_url":"http://[::1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.body) }))
			job, err := newClient(t, ts.URL).Submit(testContext(t), request("x"))
			if err == nil {
				t.Fatalf("job %+v from an incomplete answer", job)
			}
			// The job may exist and be billed; sending it again could pay
			// twice, so the error is about this image only.
			if e := apiError(t, err); e.Reason != generate.Rejected || e.Op != "segmind submit" || !e.PossiblyBilled {
				t.Errorf("%+v, want a possibly billed submit error of class image failed", e)
			}
		})
	}
}

func TestSubmitURLsUsedAsGiven(t *testing.T) {
	var polled atomic.Int32
	other := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polled.Add(1)
		if r.URL.Path != "/queue/abc/state" {
			t.Errorf("polled %s", r.URL.Path)
		}
		writeJSON(w, http.StatusOK, `{"status":"PROCESSING"}`)
	}))
	api := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fmt.Sprintf(`{"request_id":"abc","status":"QUEUED","status_url":"%s/queue/abc/state","response_url":"%s/queue/abc"}`, other.URL, other.URL))
	}))
	clock := clockwork.NewFakeClock()
	c := newClient(t, api.URL, withClock(clock))
	ctx := testContext(t)
	job, err := c.Submit(ctx, request("x"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&model.Job{ID: "abc", StatusURL: other.URL + "/queue/abc/state", ResponseURL: other.URL + "/queue/abc"}, job,
		cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Submitted" }, cmp.Ignore())); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
	if !job.Submitted.Equal(clock.Now()) {
		t.Errorf("submitted %v, want the client's now, %v", job.Submitted, clock.Now())
	}
	st, err := c.Status(ctx, job)
	if err != nil || st.Status != wire.StatusProcessing || polled.Load() != 1 {
		t.Errorf("status %+v, %v; polled %d", st, err, polled.Load())
	}
}

func TestJobFailed422(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
	}{
		{name: "FAILED body", body: `{"status":"FAILED","request_id":"r1","error":"content_policy_violation","metrics":{"inference_time":0.41}}`,
			want: "content_policy_violation"},
		{name: "FAILED, error an object", body: `{"status":"FAILED","error":{"code":"nsfw"}}`, want: `{"code":"nsfw"}`},
		{name: "FAILED, no error", body: `{"status":"FAILED"}`, want: ""},
		{name: "422 without status", body: `{"error":"Validation error in prompt"}`, want: "Validation error in prompt"},
		{name: "422 with another status", body: `{"status":"PROCESSING","error":"odd"}`, want: "odd"},
		{name: "422 not JSON", body: `Unprocessable`, want: "Unprocessable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var results atomic.Int32
			mux := http.NewServeMux()
			mux.HandleFunc("GET /v2/requests/r1/status", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusUnprocessableEntity, tt.body)
			})
			mux.HandleFunc("GET /v2/requests/r1", func(w http.ResponseWriter, r *http.Request) {
				results.Add(1)
				writeJSON(w, http.StatusUnprocessableEntity, tt.body)
			})
			ts := serve(t, mux)
			c := newClient(t, ts.URL)
			ctx := testContext(t)
			job := jobAt(ts.URL, "r1")
			want := &generate.Error{Op: "segmind job", Reason: generate.Rejected, JobID: "r1", Message: "failed: " + tt.want}

			_, err := c.Wait(ctx, job, generate.WaitOptions{})
			if diff := cmp.Diff(want, err); diff != "" {
				t.Errorf("Wait (-want +got):\n%s", diff)
			}
			if generate.ReasonOf(err) != generate.Rejected {
				t.Errorf("ClassOf = %v", generate.ReasonOf(err))
			}
			if wantText := "segmind job (request r1): failed: " + tt.want; err == nil || err.Error() != wantText {
				t.Errorf("Wait: %v, want %q", err, wantText)
			}
			if n := results.Load(); n != 0 {
				t.Errorf("Wait fetched the result of a FAILED job %d times", n)
			}
			_, err = c.Result(ctx, job)
			if diff := cmp.Diff(want, err); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResultOutputShapes(t *testing.T) {
	png, jpg := tinyPNG(t), tinyJPEG(t)
	images := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-api-key") != "" {
			t.Errorf("image %s fetched with the key", r.URL.Path)
		}
		switch r.URL.Path {
		case "/a.png":
			_, _ = w.Write(png)
		case "/b.jpeg":
			_, _ = w.Write(jpg)
		case "/page.html":
			_, _ = w.Write([]byte("<html><body>Not the image</body></html>"))
		case "/signed.png":
			writeJSON(w, http.StatusForbidden, `{"error":"Request has expired"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	var output atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/requests/r1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"status":"COMPLETED","error":null,"request_id":"r1","metrics":{"inference_time":2.87,"cost":0.006},"output":`+output.Load().(string)+`}`)
	})
	mux.Handle("GET /a.png", images.Config.Handler)
	api := serve(t, mux)
	c := newClient(t, api.URL)

	type img struct{ Data, ContentType string }
	pngImg := img{string(png), "image/png"}
	jpgImg := img{string(jpg), "image/jpeg"}
	tests := []struct {
		name, output string
		want         []img
		wantStatus   int             // of a failed download
		wantClass    generate.Reason // of a failed download
	}{
		{name: "URL", output: `"` + images.URL + `/a.png"`, want: []img{pngImg}},
		{name: "path on the API host", output: `"/a.png"`, want: []img{pngImg}},
		{name: "list of URLs", output: `["` + images.URL + `/a.png","` + images.URL + `/b.jpeg"]`, want: []img{pngImg, jpgImg}},
		{name: "list of objects with url", output: `[{"url":"` + images.URL + `/b.jpeg"},{"url":"` + images.URL + `/a.png","seed":3}]`, want: []img{jpgImg, pngImg}},
		{name: "base64 PNG", output: `"` + b64(png) + `"`, want: []img{pngImg}},
		{name: "base64 JPEG (starts with /9j/)", output: `"` + b64(jpg) + `"`, want: []img{jpgImg}},
		{name: "base64 without padding", output: `"` + strings.TrimRight(b64(jpg), "=") + `"`, want: []img{jpgImg}},
		{name: "data URI", output: `"data:image/png;base64,` + b64(png) + `"`, want: []img{pngImg}},
		{name: "list of base64", output: `["` + b64(jpg) + `","` + b64(png) + `"]`, want: []img{jpgImg, pngImg}},
		{name: "list of objects with image data", output: `[{"image":"` + b64(png) + `"}]`, want: []img{pngImg}},
		{name: "null output"},
		{name: "empty list", output: `[]`},
		{name: "object", output: `{"url":"` + images.URL + `/a.png"}`},
		{name: "object without url", output: `[{"seed":3}]`},
		{name: "number in the list", output: `[3]`},
		{name: "not base64", output: `"no image here!"`},
		{name: "base64 of text", output: `"` + b64([]byte("just some text")) + `"`},
		{name: "URL answering 404", output: `"` + images.URL + `/gone.png"`, wantStatus: 404, wantClass: generate.Rejected},
		// The download carries no key: the image host's 403 is about this
		// image, not about the key of the whole run.
		{name: "URL answering 403", output: `"` + images.URL + `/signed.png"`, wantStatus: 403, wantClass: generate.Rejected},
		{name: "URL answering HTML", output: `"` + images.URL + `/page.html"`, wantStatus: 200, wantClass: generate.Retryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.output
			if out == "" {
				out = "null"
			}
			output.Store(out)
			res, err := c.Result(testContext(t), jobAt(api.URL, "r1"))
			if tt.want == nil {
				if err == nil {
					t.Fatalf("output %s gave %d images", out, len(res.Images))
				}
				e := apiError(t, err)
				if e.JobID != "r1" || segmind.StatusOf(e) != tt.wantStatus || (tt.wantClass != 0 && e.Reason != tt.wantClass) {
					t.Errorf("%+v, want request r1, status %d, class %v", e, tt.wantStatus, tt.wantClass)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []img
			for _, i := range res.Images {
				got = append(got, img{string(i.Data), i.ContentType})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
			if res.InferenceTime != 2.87 || res.RequestID != "r1" || res.Placeholder {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// TestWaitRetries: Wait retries failed polls (5xx, 429, a reset
// connection, a body that is not JSON) and still completes; it does not
// retry what cannot succeed.
func TestWaitRetries(t *testing.T) {
	t.Parallel() // sleeps; asserts the planned delays, not the clock
	png := tinyPNG(t)
	completed := `{"status":"COMPLETED","metrics":{"inference_time":0.5}}`
	result := fmt.Sprintf(`{"status":"COMPLETED","metrics":{"inference_time":0.5},"output":%q}`, b64(png))
	reset := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // a reset, not a clean close
		}
		conn.Close()
	}
	answer := func(code int, body string, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			writeJSON(w, code, body)
		}
	}
	tests := []struct {
		name       string
		status     []http.HandlerFunc // one per poll, in order
		result     []http.HandlerFunc
		wantErr    string        // of the final error; "" = completes
		wantRetry  []int         // status codes (0 = none) of the retried errors
		wantPolled []string      // the statuses the status polls told Wait, in order
		wantDelay  time.Duration // of the first retry, when not 0
		// statusCalls is how many status polls Wait makes; the result is
		// asked for once per handler in result.
		statusCalls int
	}{
		{
			name:        "502 on a status poll",
			status:      []http.HandlerFunc{answer(502, `{"error":"Bad Gateway"}`), answer(200, `{"status":"PROCESSING"}`), answer(200, completed)},
			result:      []http.HandlerFunc{answer(200, result)},
			wantRetry:   []int{502},
			wantPolled:  []string{"PROCESSING", "COMPLETED"},
			statusCalls: 3,
		},
		{
			name:        "504 and 500 on the result",
			status:      []http.HandlerFunc{answer(200, completed)},
			result:      []http.HandlerFunc{answer(504, ``), answer(500, `oops`), answer(200, result)},
			wantRetry:   []int{504, 500},
			wantPolled:  []string{"COMPLETED"},
			statusCalls: 1,
		},
		{
			name:        "429 with Retry-After",
			status:      []http.HandlerFunc{answer(429, `{"error":"Too many requests"}`, "Retry-After", "0.25"), answer(200, completed)},
			result:      []http.HandlerFunc{answer(200, result)},
			wantRetry:   []int{429},
			wantPolled:  []string{"COMPLETED"},
			wantDelay:   250 * time.Millisecond,
			statusCalls: 2,
		},
		{
			name:        "connection reset, then a body that is not JSON",
			status:      []http.HandlerFunc{reset, answer(200, `<html>maintenance</html>`), answer(200, completed)},
			result:      []http.HandlerFunc{answer(200, result)},
			wantRetry:   []int{0, 200},
			wantPolled:  []string{"COMPLETED"},
			statusCalls: 3,
		},
		{
			name:        "too many 503s",
			status:      []http.HandlerFunc{answer(503, ``), answer(503, ``), answer(503, ``), answer(200, completed)},
			wantErr:     "segmind status (request r1): 503 Service Unavailable",
			wantRetry:   []int{503, 503},
			wantPolled:  nil,
			statusCalls: 3,
		},
		{
			name:        "400 is not retried",
			status:      []http.HandlerFunc{answer(400, `{"error":"bad id"}`), answer(200, completed)},
			wantErr:     "segmind status (request r1): 400 Bad Request: bad id",
			statusCalls: 1,
		},
		{
			name:        "403 is not retried",
			status:      []http.HandlerFunc{answer(403, `{"error":"Forbidden"}`), answer(200, completed)},
			wantErr:     "segmind status (request r1): 403 Forbidden: Forbidden",
			statusCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var statusN, resultN atomic.Int32
			mux := http.NewServeMux()
			next := func(hs []http.HandlerFunc, n *atomic.Int32) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					i := int(n.Add(1)) - 1
					if i >= len(hs) {
						t.Errorf("unexpected call %d to %s", i+1, r.URL.Path)
						writeJSON(w, 500, `{"error":"unexpected"}`)
						return
					}
					hs[i](w, r)
				}
			}
			var polls pollLog // what the status polls told Wait
			mux.Handle("GET /v2/requests/r1/status", polls.record(next(tt.status, &statusN)))
			mux.HandleFunc("GET /v2/requests/r1", next(tt.result, &resultN))
			ts := serve(t, mux)
			c := newClient(t, ts.URL)

			var (
				mu      sync.Mutex
				retried []int
				delays  []time.Duration
			)
			res, err := c.Wait(testContext(t), jobAt(ts.URL, "r1"), generate.WaitOptions{
				MaxPollErrors: 2,
				OnRetry: func(err error, attempt int, delay time.Duration) {
					mu.Lock()
					defer mu.Unlock()
					code := segmind.StatusOf(err)
					// A 429 is throttled; every other failure retried
					// here (a 5xx, a body that is not JSON, a reset after
					// the poll was sent) is retryable.
					want := generate.Retryable
					if code == http.StatusTooManyRequests {
						want = generate.Throttled
					}
					if generate.ReasonOf(err) != want {
						t.Errorf("retried a %v error, want %v: %v", generate.ReasonOf(err), want, err)
					}
					retried = append(retried, code)
					delays = append(delays, delay)
				},
			})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Wait: %v", err)
			case tt.wantErr == "":
				if len(res.Images) != 1 || string(res.Images[0].Data) != string(png) {
					t.Errorf("result: %d images", len(res.Images))
				}
			case err == nil || err.Error() != tt.wantErr:
				t.Errorf("Wait: %v, want %q", err, tt.wantErr)
			}
			if got := int(statusN.Load()); got != tt.statusCalls {
				t.Errorf("%d status polls, want %d", got, tt.statusCalls)
			}
			if got := int(resultN.Load()); got != len(tt.result) {
				t.Errorf("%d result calls, want %d", got, len(tt.result))
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tt.wantRetry, retried); diff != "" {
				t.Errorf("retried errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantPolled, polls.of("r1")); diff != "" {
				t.Errorf("polled statuses (-want +got):\n%s", diff)
			}
			for i, d := range delays {
				// Backoff from 200 ms with full jitter: up to 200 ms, then
				// up to 400 ms.
				lo, hi := time.Duration(0), 200*time.Millisecond<<i
				if i == 0 && tt.wantDelay != 0 {
					lo, hi = tt.wantDelay, tt.wantDelay
				}
				if d < lo || d > hi {
					t.Errorf("retry %d after %v, want %v to %v", i+1, d, lo, hi)
				}
			}
		})
	}
}

// An error of an answer says its status first, then what the server
// said; one of no answer says what happened.
func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"status and message", &generate.Error{Op: "segmind generate", Message: "400 Bad Request: scheduler: bad"},
			"segmind generate: 400 Bad Request: scheduler: bad"},
		{"with request id", &generate.Error{Op: "segmind status", Message: "404 Not Found: Request not found", JobID: "6f1c"},
			"segmind status (request 6f1c): 404 Not Found: Request not found"},
		{"no answer", &generate.Error{Op: "segmind submit", Message: "dial tcp: connection refused"}, "segmind submit: dial tcp: connection refused"},
		{"job failed", &generate.Error{Op: "segmind job", Reason: generate.Rejected, JobID: "6f1c", Message: "failed: content_policy_violation"},
			"segmind job (request 6f1c): failed: content_policy_violation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name, header string
		lo, hi       time.Duration
	}{
		{name: "seconds", header: "7", lo: 7 * time.Second, hi: 7 * time.Second},
		{name: "fractional seconds", header: "1.5", lo: 1500 * time.Millisecond, hi: 1500 * time.Millisecond},
		{name: "HTTP date", header: now.Add(30 * time.Second).UTC().Format(http.TimeFormat), lo: 28 * time.Second, hi: 30 * time.Second},
		{name: "HTTP date in the past", header: now.Add(-time.Minute).UTC().Format(http.TimeFormat)},
		{name: "a day is capped to an hour", header: "86400", lo: time.Hour, hi: time.Hour},
		{name: "garbage", header: "soon"},
		{name: "absent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				writeJSON(w, http.StatusTooManyRequests, `{"error":"Too many requests"}`)
			}))
			_, err := newClient(t, ts.URL).Generate(testContext(t), request("x"))
			e := apiError(t, err)
			if segmind.StatusOf(e) != 429 || e.Reason != generate.Throttled {
				t.Errorf("%+v, want a throttled 429", e)
			}
			if got := generate.WaitOf(err); got < tt.lo || got > tt.hi || got != e.Wait {
				t.Errorf("WaitOf = %v, want %v to %v", got, tt.lo, tt.hi)
			}
		})
	}
	if got := generate.WaitOf(errors.New("plain")); got != 0 {
		t.Errorf("WaitOf(plain error) = %v", got)
	}
}

func TestAnswerTooLarge(t *testing.T) {
	big := `{"status":"PROCESSING","padding":"` + strings.Repeat("x", 100<<10) + `"}`
	ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, big) }))
	_, err := newClient(t, ts.URL).Status(testContext(t), jobAt(ts.URL, "r1"))
	e := apiError(t, err)
	if segmind.StatusOf(e) != 200 || serverMessage(e) != "the answer is larger than 65536 bytes" || e.JobID != "r1" || e.Op != "segmind status" {
		t.Errorf("%+v", e)
	}
}
