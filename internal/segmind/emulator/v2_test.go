package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestV2Lifecycle(t *testing.T) {
	clock := clockwork.NewFakeClock()
	opts := testOptions()
	opts.Latency = 300 * time.Millisecond
	opts.Clock = clock
	s, base := startServer(t, opts)

	sub := submit(t, base, `{"prompt": "castle on a cliff", "seed": 5}`)
	if !uuidV4.MatchString(sub.RequestID) {
		t.Errorf("request_id %q is not a UUID v4", sub.RequestID)
	}
	wantSub := wire.SubmitResponse{
		RequestID:   sub.RequestID,
		Status:      wire.StatusQueued,
		PollURL:     base + "/v1/requests/" + sub.RequestID,
		StatusURL:   base + "/v2/requests/" + sub.RequestID + "/status",
		ResponseURL: base + "/v2/requests/" + sub.RequestID,
	}
	if diff := cmp.Diff(wantSub, sub); diff != "" {
		t.Errorf("submit answer (-want +got):\n%s", diff)
	}

	// Before completion: the status carries the URLs and empty metrics,
	// the result carries the status and no output.
	early := get(t, sub.StatusURL)
	if early.status != http.StatusOK {
		t.Fatalf("early status: %d", early.status)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(early.body, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["metrics"]) != "{}" {
		t.Errorf("early metrics = %s, want {}", raw["metrics"])
	}
	earlyStatus := decode[wire.StatusResponse](t, early)
	if earlyStatus.StatusURL != sub.StatusURL || earlyStatus.ResponseURL != sub.ResponseURL || earlyStatus.RequestID != sub.RequestID {
		t.Errorf("early status body = %s", early.body)
	}
	earlyResult := get(t, sub.ResponseURL)
	if earlyResult.status != http.StatusOK || bytes.Contains(earlyResult.body, []byte(`"output"`)) {
		t.Errorf("early result: status %d, body %s; want 200 without output", earlyResult.status, earlyResult.body)
	}
	if st := decode[wire.ResultResponse](t, earlyResult).Status; st != wire.StatusQueued {
		t.Errorf("early result status = %q", st)
	}

	// QUEUED for a tenth of the latency, PROCESSING until the latency has
	// passed, then COMPLETED: on the server's clock, to the nanosecond.
	statusAt := func(after time.Duration, want string) {
		t.Helper()
		if got := decode[wire.StatusResponse](t, get(t, sub.StatusURL)).Status; got != want {
			t.Errorf("status %v after submission: %s, want %s", after, got, want)
		}
	}
	queued := opts.Latency / 10
	clock.Advance(queued - time.Nanosecond)
	statusAt(queued-time.Nanosecond, wire.StatusQueued)
	clock.Advance(time.Nanosecond)
	statusAt(queued, wire.StatusProcessing)
	clock.Advance(opts.Latency - queued - time.Nanosecond)
	statusAt(opts.Latency-time.Nanosecond, wire.StatusProcessing)
	clock.Advance(time.Nanosecond)
	// The image is rendered once the latency has passed; the status says
	// PROCESSING until it is, and COMPLETED from then on.
	states, final := pollStates(t, sub.StatusURL)
	if got := states[len(states)-1]; got != wire.StatusCompleted || slices.Contains(states, wire.StatusQueued) {
		t.Fatalf("states %v once the latency passed, want PROCESSING at most until COMPLETED", states)
	}
	it := 0.3
	wantDone := wire.StatusResponse{Status: wire.StatusCompleted, RequestID: sub.RequestID, Metrics: wire.Metrics{InferenceTime: &it}}
	if diff := cmp.Diff(wantDone, decode[wire.StatusResponse](t, final)); diff != "" {
		t.Errorf("completed status (-want +got):\n%s", diff)
	}
	if poll := get(t, sub.PollURL); poll.status != http.StatusOK || !bytes.Equal(poll.body, final.body) {
		t.Errorf("poll_url answered %d %s, want the status body %s", poll.status, poll.body, final.body)
	}

	result := get(t, sub.ResponseURL)
	if result.status != http.StatusOK {
		t.Fatalf("result: %d %s", result.status, result.body)
	}
	res := decode[wire.ResultResponse](t, result)
	if res.Status != wire.StatusCompleted || res.Error != nil || res.Metrics.InferenceTime == nil || *res.Metrics.InferenceTime != it {
		t.Errorf("result body = %s", result.body)
	}
	var url string
	if err := json.Unmarshal(res.Output, &url); err != nil {
		t.Fatalf("output %s is not a URL string", res.Output)
	}
	if want := base + ImagesPath + sub.RequestID + "/0.png"; url != want {
		t.Errorf("output = %q, want %q", url, want)
	}
	img := call(t, http.MethodGet, url, "", "") // like images.segmind.com: no key
	if img.status != http.StatusOK || img.header.Get("Content-Type") != "image/png" {
		t.Fatalf("image: %d %s", img.status, img.header.Get("Content-Type"))
	}
	req := model.NewRequest(model.NewRealityLightning).WithPrompt("castle on a cliff").WithSeed(5)
	want, err := placeholder.Render(req, 0, placeholder.Emulator)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img.body, want) {
		t.Error("the served image differs from placeholder.Render of the request")
	}
	if st := s.Stats(); st.Generated != 1 || st.JobsSubmitted != 1 || st.InProgress != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// TestV2BilledWithoutPolling: the image is rendered and billed on the
// server's clock, so a client that never polls has still paid.
func TestV2BilledWithoutPolling(t *testing.T) {
	s, base := startServer(t, testOptions())
	submit(t, base, `{"prompt": "castle", "samples": 2}`)
	if st := s.Stats(); st.InProgress != 2 || st.Generated != 0 {
		t.Errorf("right after submit: %+v, want 2 in progress, none generated", st)
	}
	waitFor(t, 30*time.Second, "the job to be billed", func() bool { return s.Stats().Generated == 2 })
	if st := s.Stats(); st.InProgress != 0 || st.JobsSubmitted != 1 {
		t.Errorf("after completion: %+v", st)
	}
}

func TestV2Outputs(t *testing.T) {
	_, base := startServer(t, testOptions())
	tests := []struct {
		name    string
		samples int
		base64  bool
	}{
		{name: "one URL", samples: 1},
		{name: "a list of URLs", samples: 2},
		{name: "one base64 string", samples: 1, base64: true},
		{name: "a list of base64 strings", samples: 2, base64: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := model.NewRequest(model.NewRealityLightning).WithPrompt("lighthouse in a storm").WithSeed(99).With("samples", model.Int(int64(tc.samples)))
			body, err := json.Marshal(wire.Body(req, tc.base64))
			if err != nil {
				t.Fatal(err)
			}
			sub := submit(t, base, string(body))
			if states, _ := pollStates(t, sub.StatusURL); states[len(states)-1] != wire.StatusCompleted {
				t.Fatalf("states %v", states)
			}
			res := decode[wire.ResultResponse](t, get(t, sub.ResponseURL))
			var items []string
			if tc.samples == 1 {
				var one string
				if err := json.Unmarshal(res.Output, &one); err != nil {
					t.Fatalf("output %.80s is not a string", res.Output)
				}
				items = []string{one}
			} else if err := json.Unmarshal(res.Output, &items); err != nil {
				t.Fatalf("output %.80s is not a list of strings", res.Output)
			}
			if len(items) != tc.samples {
				t.Fatalf("%d outputs, want %d", len(items), tc.samples)
			}
			for i, item := range items {
				var got []byte
				if tc.base64 {
					if got, err = base64.StdEncoding.DecodeString(item); err != nil {
						t.Fatalf("output %d: %v", i, err)
					}
				} else {
					a := call(t, http.MethodGet, item, "", "")
					if a.status != http.StatusOK {
						t.Fatalf("GET %s: %d", item, a.status)
					}
					got = a.body
				}
				want, err := placeholder.Render(req, i, placeholder.Emulator)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("output %d differs from placeholder.Render(req, %d)", i, i)
				}
			}
		})
	}
}

func TestV2BlocklistedJobFails(t *testing.T) {
	opts := testOptions()
	opts.Blocklist = []string{"dragon"}
	s, base := startServer(t, opts)

	sub := submit(t, base, `{"prompt": "A (Dragon:1.2) over ruins", "samples": 2}`)
	states, final := pollStates(t, sub.StatusURL)
	if got := states[len(states)-1]; got != wire.StatusFailed {
		t.Fatalf("states %v, want to end FAILED", states)
	}
	it := opts.Latency.Seconds()
	for _, a := range []answer{final, get(t, sub.ResponseURL), get(t, sub.PollURL)} {
		if a.status != http.StatusUnprocessableEntity {
			t.Errorf("status %d, want 422; body %s", a.status, a.body)
		}
		st := decode[wire.StatusResponse](t, a)
		if st.Status != wire.StatusFailed || st.RequestID != sub.RequestID || st.Metrics.InferenceTime == nil || *st.Metrics.InferenceTime != it {
			t.Errorf("FAILED body = %s", a.body)
		}
		if st.Error == nil || !strings.HasPrefix(*st.Error, "content_policy_violation: ") || !strings.Contains(*st.Error, "dragon") {
			t.Errorf("FAILED error = %v", st.Error)
		}
	}
	if a := call(t, http.MethodGet, base+ImagesPath+sub.RequestID+"/0.png", "", ""); a.status != http.StatusNotFound {
		t.Errorf("image of a FAILED job: %d, want 404", a.status)
	}
	if st := s.Stats(); st.Generated != 0 || st.InProgress != 0 || st.JobsSubmitted != 1 || st.MaxInProgress != 2 {
		t.Errorf("stats = %+v, want the job submitted and nothing billed", st)
	}
}

func TestV2RetentionExpiry(t *testing.T) {
	clock := clockwork.NewFakeClock()
	opts := testOptions()
	opts.Latency = 10 * time.Millisecond
	opts.Retention = 400 * time.Millisecond
	opts.Clock = clock
	s, base := startServer(t, opts)

	sub := submit(t, base, `{"prompt": "castle"}`)
	clock.Advance(opts.Latency)
	pollStates(t, sub.StatusURL)
	imageURL := base + ImagesPath + sub.RequestID + "/0.png"
	urls := []string{sub.StatusURL, sub.ResponseURL, sub.PollURL, imageURL}
	// Retention counts from submission: a nanosecond before it ends, the
	// job is there; at its end, it is gone.
	clock.Advance(opts.Retention - opts.Latency - time.Nanosecond)
	for _, u := range urls {
		if a := get(t, u); a.status != http.StatusOK {
			t.Fatalf("GET %s within retention: %d", u, a.status)
		}
	}
	clock.Advance(time.Nanosecond)
	for _, u := range urls {
		a := get(t, u)
		if a.status != http.StatusNotFound {
			t.Errorf("GET %s after retention: %d, want 404", u, a.status)
			continue
		}
		errorOf(t, a)
	}
	waitFor(t, 30*time.Second, "the job to be counted as expired", func() bool { return s.Stats().JobsExpired == 1 })
}

func TestV2UnknownID(t *testing.T) {
	_, base := startServer(t, testOptions())
	for _, u := range []string{
		base + wire.PathV2Requests + "6f1c2a9e-3b7d-4c1e-9a55-0b8e2d4f7a10/status",
		base + wire.PathV2Requests + "6f1c2a9e-3b7d-4c1e-9a55-0b8e2d4f7a10",
		base + wire.PathV1Requests + "not-even-a-uuid",
		base + ImagesPath + "6f1c2a9e-3b7d-4c1e-9a55-0b8e2d4f7a10/0.png",
	} {
		a := get(t, u)
		if a.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", u, a.status)
			continue
		}
		errorOf(t, a)
	}
}

func TestV2ImageNames(t *testing.T) {
	_, base := startServer(t, testOptions())
	sub := submit(t, base, `{"prompt": "castle", "samples": 2}`)
	pollStates(t, sub.StatusURL)
	tests := []struct {
		file string
		want int
	}{
		{"0.png", 200},
		{"1.png", 200},
		{"2.png", 404},
		{"01.png", 404},
		{"-1.png", 404},
		{"0.jpg", 404},
		{"0", 404},
	}
	for _, tc := range tests {
		if a := get(t, base+ImagesPath+sub.RequestID+"/"+tc.file); a.status != tc.want {
			t.Errorf("%s: %d, want %d", tc.file, a.status, tc.want)
		}
	}
}

// TestV2URLsFollowTheHost: the absolute URLs use the Host the client sent.
func TestV2URLsFollowTheHost(t *testing.T) {
	_, base := startServer(t, testOptions())
	req, err := http.NewRequest(http.MethodPost, base+wire.PathV2Submit, strings.NewReader(`{"prompt": "castle"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "emulator.test:8787"
	req.Header.Set(wire.HeaderAPIKey, testKey)
	sub := decode[wire.SubmitResponse](t, send(t, req))
	if want := "http://emulator.test:8787/v2/requests/" + sub.RequestID + "/status"; sub.StatusURL != want {
		t.Errorf("status_url = %q, want %q", sub.StatusURL, want)
	}
}

// TestV2StatesOnTheServerClock: a job is QUEUED for min(latency/10,
// 100ms), then PROCESSING until its timer finishes it, and gone once its
// retention (counted from submission) has passed.
func TestV2StatesOnTheServerClock(t *testing.T) {
	opts := testOptions()
	opts.Latency = 5 * time.Second // the job never finishes during the test
	opts.Retention = time.Minute
	s, base := startServer(t, opts)
	sub := submit(t, base, `{"prompt": "castle"}`)

	s.mu.Lock()
	submitted := s.jobs[sub.RequestID].submitted
	s.mu.Unlock()
	tests := []struct {
		after time.Duration
		want  string // "" = not found
	}{
		{0, wire.StatusQueued},
		{maxQueued - time.Millisecond, wire.StatusQueued},
		{maxQueued, wire.StatusProcessing},
		{opts.Latency + time.Second, wire.StatusProcessing}, // no timer has finished it
		{opts.Retention - time.Millisecond, wire.StatusProcessing},
		{opts.Retention, ""},
	}
	for _, tc := range tests {
		got := ""
		if v, ok := s.lookupJob(sub.RequestID, submitted.Add(tc.after)); ok {
			got = v.state
		}
		if got != tc.want {
			t.Errorf("%v after submission: %q, want %q", tc.after, got, tc.want)
		}
	}
}
