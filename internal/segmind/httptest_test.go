package segmind_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// The client against hand-written loopback servers, for what the emulator
// does not do.

// TestRequestShape checks what goes on the wire: paths, methods, headers
// and the JSON body.
func TestRequestShape(t *testing.T) {
	png := tinyPNG(t)
	type seen struct {
		Method, Path, Key, ContentType, UserAgent string
		Body                                      map[string]any
	}
	var (
		mu  sync.Mutex
		got []seen
	)
	ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Method: r.Method, Path: r.URL.Path, Key: r.Header.Get("x-api-key"),
			ContentType: r.Header.Get("Content-Type"), UserAgent: r.Header.Get("User-Agent")}
		if data, _ := io.ReadAll(r.Body); len(data) > 0 {
			if err := json.Unmarshal(data, &s.Body); err != nil {
				t.Errorf("%s %s: body %q is not JSON", r.Method, r.URL.Path, data)
			}
		}
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
		switch r.URL.Path {
		case "/v1/" + wire.Model:
			w.Header().Set("Content-Type", "image/jpeg") // mislabelled: the client sniffs
			_, _ = w.Write(png)
		case "/v2/" + wire.Model:
			writeJSON(w, http.StatusOK, `{"request_id":"r1","status":"QUEUED","status_url":"/v2/requests/r1/status","response_url":"/v2/requests/r1"}`)
		case "/v2/requests/r1/status":
			writeJSON(w, http.StatusOK, `{"status":"QUEUED","request_id":"r1","metrics":{}}`)
		case "/v1/get-user-credits":
			writeJSON(w, http.StatusOK, `{"credits":1.5,"free-credits":0.0184921035}`)
		default:
			http.NotFound(w, r)
		}
	}))
	c := newClient(t, ts.URL+"/v1")
	ctx := testContext(t)

	req := request("a lamp").With("negative_prompt", model.String("blur"))
	res, err := c.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := c.RemainingCredits(); res.Images[0].ContentType != "image/png" || ok {
		t.Errorf("image %q, remaining credits %v (%v); want image/png sniffed, no credits header", res.Images[0].ContentType, v, ok)
	}
	job, err := c.Submit(ctx, request("a lamp"))
	if err != nil {
		t.Fatal(err)
	}
	if job.StatusURL != ts.URL+"/v2/requests/r1/status" || job.ResponseURL != ts.URL+"/v2/requests/r1" {
		t.Errorf("relative URLs resolved to %q and %q", job.StatusURL, job.ResponseURL)
	}
	st, err := c.Status(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != wire.StatusQueued || st.InferenceTime != nil {
		t.Errorf("status %+v", st)
	}
	cr, err := c.Credits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&segmind.Credits{Credits: 1.5, FreeCredits: 0.0184921035}, cr); diff != "" {
		t.Errorf("credits (-want +got):\n%s", diff)
	}

	body := func(negative string, samples float64) map[string]any {
		m := map[string]any{"prompt": "a lamp", "samples": samples, "scheduler": "DPM++ SDE", "num_inference_steps": 7.0,
			"guidance_scale": 1.4, "seed": 42.0, "img_width": 1024.0, "img_height": 1024.0, "base64": false}
		if negative != "" {
			m["negative_prompt"] = negative
		}
		return m
	}
	want := []seen{
		{Method: "POST", Path: "/v1/" + wire.Model, Key: testKey, ContentType: "application/json", UserAgent: "imgform-test", Body: body("blur", 1)},
		{Method: "POST", Path: "/v2/" + wire.Model, Key: testKey, ContentType: "application/json", UserAgent: "imgform-test", Body: body("", 1)},
		{Method: "GET", Path: "/v2/requests/r1/status", Key: testKey, UserAgent: "imgform-test"},
		{Method: "GET", Path: "/v1/get-user-credits", Key: testKey, UserAgent: "imgform-test"},
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// hijack answers with raw bytes and closes the connection.
func hijack(t *testing.T, w http.ResponseWriter, raw string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString(raw)
	_ = buf.Flush()
}

func TestTruncatedBody(t *testing.T) {
	png := tinyPNG(t)
	truncated := func(contentType string, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			hijack(t, w, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
				contentType, len(body)+1000, body))
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST /v1/"+wire.Model, truncated("image/png", string(png[:20])))
	mux.Handle("POST /v2/"+wire.Model, truncated("application/json", `{"request_id":"r1",`))
	mux.Handle("GET /v1/get-user-credits", truncated("application/json", `{"credits":`))
	mux.Handle("GET /v2/requests/r1/status", truncated("application/json", `{"status":"COMP`))
	mux.HandleFunc("GET /v2/requests/r2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"status":"COMPLETED","output":"/images/r2.png"}`)
	})
	mux.Handle("GET /images/r2.png", truncated("image/png", string(png[:20])))
	ts := serve(t, mux)
	c := newClient(t, ts.URL)
	ctx := testContext(t)

	for _, tt := range []struct {
		name string
		call func() error
	}{
		{"generate", func() error { _, err := c.Generate(ctx, request("x")); return err }},
		{"submit", func() error { _, err := c.Submit(ctx, request("x")); return err }},
		{"credits", func() error { _, err := c.Credits(ctx); return err }},
		{"status", func() error { _, err := c.Status(ctx, jobAt(ts.URL, "r1")); return err }},
		{"download", func() error { _, err := c.Result(ctx, jobAt(ts.URL, "r2")); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			e := apiError(t, err)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%v, want an error wrapping io.ErrUnexpectedEOF", err)
			}
			if billed(tt.name) {
				// The server took the request: sending it again could pay
				// twice, so it is this image's failure, with the status.
				if e.Reason != generate.Rejected || segmind.StatusOf(e) != http.StatusOK || !e.PossiblyBilled {
					t.Errorf("%v (%+v), want a possibly billed image-only error with status 200", err, e)
				}
			} else if e.Reason != generate.Retryable || segmind.StatusOf(e) != 0 {
				t.Errorf("%v (%+v), want a retryable transport error", err, e)
			}
			if wantID := map[string]string{"status": "r1", "download": "r2"}[tt.name]; e.JobID != wantID {
				t.Errorf("request id %q, want %q", e.JobID, wantID)
			}
		})
	}
}

func TestErrorBodyShapes(t *testing.T) {
	long := strings.Repeat("very long error ", 1000)
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        string // the Message
		wantText    string // the Error()
	}{
		{name: "error string", status: 400, body: `{"error":"Invalid scheduler"}`, want: "Invalid scheduler",
			wantText: "segmind credits: 400 Bad Request: Invalid scheduler"},
		{name: "message string", status: 503, body: `{"message":"Service Unavailable"}`, want: "Service Unavailable"},
		{name: "error null, message set", status: 500, body: `{"error":null,"message":"upstream crashed"}`, want: "upstream crashed"},
		{name: "detail string", status: 422, body: `{"detail":"Prompt is mandatory"}`, want: "Prompt is mandatory"},
		{name: "detail object", status: 400, body: `{"detail": {"msg": "field required", "loc": ["body", "prompt"]}}`,
			want: `{"msg": "field required", "loc": ["body", "prompt"]}`},
		{name: "detail list", status: 400, body: "{\"detail\":[{\"msg\":\"value is not a valid integer\",\n\"type\":\"type_error\"}]}",
			want: `[{"msg":"value is not a valid integer", "type":"type_error"}]`},
		{name: "html-message", status: 502, body: `{"html-message":"<b>Gateway</b> timed out"}`, want: "<b>Gateway</b> timed out"},
		{name: "error number", status: 500, body: `{"error":1234}`, want: "1234"},
		{name: "unknown keys", status: 500, body: `{"foo":"bar","code":17}`, want: `{"foo":"bar","code":17}`},
		{name: "JSON list", status: 500, body: `["broken"]`, want: `["broken"]`},
		{name: "HTML page", status: 502, contentType: "text/html",
			body: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>",
			want: "the server answered with an HTML page", wantText: "segmind credits: 502 Bad Gateway: the server answered with an HTML page"},
		{name: "HTML page with doctype", status: 403, contentType: "text/html",
			body: "<!DOCTYPE html>\n<html lang=\"en\"><body>Access denied</body></html>", want: "the server answered with an HTML page"},
		{name: "plain text", status: 504, contentType: "text/plain", body: "upstream request timeout\n", want: "upstream request timeout"},
		{name: "empty body", status: 500, body: "", want: "", wantText: "segmind credits: 500 Internal Server Error"},
		{name: "whitespace only", status: 500, body: " \n\t ", want: ""},
		{name: "long text", status: 500, contentType: "text/plain", body: long,
			want: strings.TrimSpace(long)[:300] + "…"},
		{name: "long error string", status: 400, body: `{"error":"` + long + `"}`, want: strings.TrimSpace(long)[:300] + "…"},
		{name: "multi-line error", status: 400, body: `{"error":"line one\nline two\r\n\tline three"}`, want: "line one line two line three"},
		{name: "multi-byte text cut on a rune boundary", status: 500, contentType: "text/plain", body: strings.Repeat("é", 400),
			want: strings.Repeat("é", 150) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ct := tt.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			_, err := newClient(t, ts.URL).Credits(testContext(t))
			e := apiError(t, err)
			if segmind.StatusOf(e) != tt.status || serverMessage(e) != tt.want {
				t.Errorf("status %d, message %q; want %d, %q", segmind.StatusOf(e), serverMessage(e), tt.status, tt.want)
			}
			if tt.wantText != "" && err.Error() != tt.wantText {
				t.Errorf("Error() = %q, want %q", err, tt.wantText)
			}
			if strings.ContainsAny(err.Error(), "\r\n") || len(serverMessage(e)) > 300+len("…") {
				t.Errorf("Error() is not one short line: %q", err)
			}
		})
	}
}

func TestNonImageSuccess(t *testing.T) {
	tests := []struct {
		name, contentType, body string
	}{
		{name: "text", contentType: "text/plain", body: "OK"},
		{name: "HTML page", contentType: "text/html", body: "<html><body>Welcome to nginx!</body></html>"},
		{name: "labelled image, is not", contentType: "image/jpeg", body: "this is not a jpeg at all"},
		{name: "empty", contentType: "image/png", body: ""},
		{name: "JSON without image", contentType: "application/json", body: `{"status":"Success"}`},
		{name: "JSON error under 200", contentType: "application/json", body: `{"error":"model is loading"}`},
		{name: "JSON image not base64", contentType: "application/json", body: `{"image":"!!! not base64 !!!","status":"Success"}`},
		{name: "JSON base64 of text", contentType: "application/json", body: `{"image":"` + b64([]byte("hello, world")) + `"}`},
		{name: "JSON empty image list", contentType: "application/json", body: `{"image":[]}`},
		{name: "JSON image list with a bad one", contentType: "application/json", body: `{"image":["` + b64([]byte("GIF89a-ish")) + `","%%%"]}`},
		{name: "broken JSON", contentType: "application/json", body: `{"image": "abc`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = io.WriteString(w, tt.body)
			}))
			res, err := newClient(t, ts.URL).Generate(testContext(t), request("x"))
			if err == nil {
				t.Fatalf("a %q body became a success with %d images", tt.body, len(res.Images))
			}
			// Not retryable: a 200 from the sync endpoint was most likely
			// billed, and asking again could pay twice.
			if e := apiError(t, err); segmind.StatusOf(e) != http.StatusOK || e.Reason != generate.Rejected || !e.PossiblyBilled {
				t.Errorf("%+v, want an image-only error about the 200 answer", e)
			}
		})
	}
}

// hanging serves a handler that reads the request, calls before (if it
// returns true, the request is answered), and then blocks until the client
// goes away or the test ends.
func hanging(t *testing.T, before func(http.ResponseWriter, *http.Request) bool) *httptest.Server {
	stop := make(chan struct{})
	ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client that went away only once the body
		// is read.
		_, _ = io.Copy(io.Discard, r.Body)
		if before != nil && before(w, r) {
			return
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop) }) // runs before ts.Close
	return ts
}

func TestHangingServer(t *testing.T) {
	t.Parallel() // waits for the timeouts
	const timeout = 100 * time.Millisecond
	for _, afterHeaders := range []bool{false, true} {
		name := "before the headers"
		if afterHeaders {
			name = "after the headers"
		}
		t.Run(name, func(t *testing.T) {
			ts := hanging(t, func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/v2/requests/r2" {
					writeJSON(w, http.StatusOK, `{"status":"COMPLETED","output":"/slow-image.png"}`)
					return true
				}
				if afterHeaders {
					w.Header().Set("Content-Length", "100")
					w.WriteHeader(http.StatusOK)
					_, _ = io.WriteString(w, `{"status"`)
					_ = http.NewResponseController(w).Flush()
				}
				return false
			})
			c := newClient(t, ts.URL, withTimeouts(timeout))
			ctx := testContext(t)
			for _, tt := range []struct {
				name string
				call func() error
			}{
				{"generate", func() error { _, err := c.Generate(ctx, request("x")); return err }},
				{"submit", func() error { _, err := c.Submit(ctx, request("x")); return err }},
				{"status", func() error { _, err := c.Status(ctx, jobAt(ts.URL, "r1")); return err }},
				{"credits", func() error { _, err := c.Credits(ctx); return err }},
				{"download", func() error { _, err := c.Result(ctx, jobAt(ts.URL, "r2")); return err }},
			} {
				start := time.Now()
				err := tt.call()
				took := time.Since(start)
				e := apiError(t, err)
				wantClass, wantStatus := generate.Retryable, 0
				if afterHeaders && billed(tt.name) {
					// Accepted, then cut off: most likely billed, not retried.
					wantClass, wantStatus = generate.Rejected, http.StatusOK
				}
				if e.Reason != wantClass || segmind.StatusOf(e) != wantStatus || !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s: %v (%+v), want a timeout of class %v, status %d", tt.name, err, e, wantClass, wantStatus)
				}
				// The server never answers: the call returned because its
				// timeout passed, and not before.
				if took < timeout {
					t.Errorf("%s: gave up after %v, before the %v timeout", tt.name, took, timeout)
				}
			}
		})
	}
}

// TestCancelDuringRequest cancels while a request is in flight: the call
// returns the caller's context.Canceled, not a retryable error, although
// the server never answers (so it returns because of the cancel, and at
// once: the call's own timeout is far away). A billable request
// cancelled after it was sent says so: the service may still make the
// image, and bill it.
func TestCancelDuringRequest(t *testing.T) {
	arrived := make(chan struct{}, 1)
	ts := hanging(t, func(http.ResponseWriter, *http.Request) bool {
		arrived <- struct{}{}
		return false
	})
	c := newClient(t, ts.URL, withTimeouts(time.Hour))
	for _, tt := range []struct {
		name     string
		call     func(ctx context.Context) error
		billable bool
	}{
		{"generate", func(ctx context.Context) error { _, err := c.Generate(ctx, request("x")); return err }, true},
		{"wait", func(ctx context.Context) error {
			_, err := c.Wait(ctx, jobAt(ts.URL, "r1"), generate.WaitOptions{})
			return err
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(testContext(t))
			go func() {
				<-arrived
				cancel()
			}()
			err := tt.call(ctx)
			if !errors.Is(err, context.Canceled) || generate.ReasonOf(err) != generate.Stopped {
				t.Fatalf("%v (%T), want context.Canceled", err, err)
			}
			if got := generate.IsPossiblyBilled(err); got != tt.billable {
				t.Errorf("IsPossiblyBilled(%v) = %v, want %v", err, got, tt.billable)
			}
			if _, ok := errors.AsType[*generate.Error](err); ok && !tt.billable {
				t.Errorf("a cancel became a *generate.Error: %v", err)
			}
		})
	}
}

// imageHost serves tinyPNG at /image.png and a redirect to it at
// /redirect, and records whether any request carried the API key.
type imageHost struct {
	png       []byte
	keyed     atomic.Int32
	requests  atomic.Int32
	userAgent atomic.Value
}

func (h *imageHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	if _, ok := r.Header["X-Api-Key"]; ok {
		h.keyed.Add(1)
	}
	h.userAgent.Store(r.Header.Get("User-Agent"))
	switch r.URL.Path {
	case "/redirect":
		http.Redirect(w, r, "/image.png", http.StatusFound)
	case "/image.png", "/v2/image.png":
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(h.png)
	default:
		http.NotFound(w, r)
	}
}

func TestResultImageFetchedWithoutKey(t *testing.T) {
	png := tinyPNG(t)
	images := &imageHost{png: png}
	imgSrv := serve(t, images)
	var output atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/requests/r1", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-api-key") != testKey {
			t.Error("the result call lacks the key")
		}
		writeJSON(w, http.StatusOK, `{"status":"COMPLETED","metrics":{"inference_time":2.5},"output":`+output.Load().(string)+`}`)
	})
	mux.Handle("/", images) // images on the API's own host too
	api := serve(t, mux)
	c := newClient(t, api.URL)

	tests := []struct {
		name, output string
		requests     int32
	}{
		{name: "URL on another host", output: `"` + imgSrv.URL + `/image.png"`, requests: 1},
		{name: "URL that redirects (302)", output: `"` + imgSrv.URL + `/redirect"`, requests: 2},
		{name: "URL on the API host", output: `"` + api.URL + `/image.png"`, requests: 1},
		{name: "path on the API host", output: `"/image.png"`, requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			images.keyed.Store(0)
			images.requests.Store(0)
			output.Store(tt.output)
			res, err := c.Result(testContext(t), jobAt(api.URL, "r1"))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Images) != 1 || string(res.Images[0].Data) != string(png) || res.InferenceTime != 2.5 {
				t.Errorf("result %d images, inference time %v", len(res.Images), res.InferenceTime)
			}
			if n := images.requests.Load(); n != tt.requests {
				t.Errorf("%d image requests, want %d", n, tt.requests)
			}
			if n := images.keyed.Load(); n != 0 {
				t.Errorf("%d image requests carried x-api-key", n)
			}
			if ua := images.userAgent.Load(); ua != "imgform-test" {
				t.Errorf("image request User-Agent %q", ua)
			}
		})
	}
}

func TestAPIRedirect(t *testing.T) {
	var otherKey atomic.Value
	other := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherKey.Store(r.Header.Get("x-api-key"))
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/v1/"+wire.Model {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(tinyPNG(t))
			return
		}
		writeJSON(w, http.StatusOK, `{"credits":2,"free-credits":0}`)
	}))
	var sameKey atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/get-user-credits", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("POST /v1/"+wire.Model, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v1/"+wire.Model, http.StatusPermanentRedirect)
	})
	mux.HandleFunc("GET /v2/requests/r1/status", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v2/requests/r1/status-moved", http.StatusFound)
	})
	mux.HandleFunc("GET /v2/requests/r1/status-moved", func(w http.ResponseWriter, r *http.Request) {
		sameKey.Store(r.Header.Get("x-api-key"))
		writeJSON(w, http.StatusOK, `{"status":"PROCESSING"}`)
	})
	mux.HandleFunc("GET /v2/requests/loop/status", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	})
	api := serve(t, mux)
	c := newClient(t, api.URL)
	ctx := testContext(t)

	cr, err := c.Credits(ctx)
	if err != nil || cr.Credits != 2 {
		t.Fatalf("credits through a redirect: %v, %v", cr, err)
	}
	if k := otherKey.Load(); k != "" {
		t.Errorf("the key went to another host on a GET redirect: %q", k)
	}
	otherKey.Store("unset")
	if _, err := c.Generate(ctx, request("x")); err != nil {
		t.Fatalf("generate through a 308: %v", err)
	}
	if k := otherKey.Load(); k != "" {
		t.Errorf("the key went to another host on a POST redirect: %q", k)
	}

	// A redirect on the same host keeps the key.
	if _, err := c.Status(ctx, jobAt(api.URL, "r1")); err != nil {
		t.Fatal(err)
	}
	if k := sameKey.Load(); k != testKey {
		t.Errorf("key on a same-host redirect = %v, want it kept", k)
	}

	// A redirect loop ends.
	_, err = c.Status(ctx, jobAt(api.URL, "loop"))
	if e := apiError(t, err); !strings.Contains(serverMessage(e), "stopped after 10 redirects") {
		t.Errorf("redirect loop: %v", err)
	}
}

// billed names the calls that make images: an answer of theirs cut off
// after a 200 is not retried.
func billed(call string) bool { return call == "generate" || call == "submit" }
