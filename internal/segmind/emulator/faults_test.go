package emulator

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

func TestTooManyRequests(t *testing.T) {
	opts := testOptions()
	opts.MaxConcurrency = 2
	opts.Latency = 2500 * time.Millisecond // the job outlives the test; Close stops it
	s, base := startServer(t, opts)

	submit(t, base, `{"prompt": "castle"}`)
	tests := []struct {
		name      string
		path      string
		body      string
		wantError string
	}{
		{name: "v2 past the limit", path: wire.PathV2Submit, body: `{"prompt": "castle", "samples": 2}`, wantError: "Too many requests"},
		{name: "v1 past the limit", path: wire.PathV1Generate, body: `{"prompt": "castle", "samples": 2}`, wantError: "Too many requests"},
		{name: "more samples than the limit", path: wire.PathV2Submit, body: `{"prompt": "castle", "samples": 3}`,
			wantError: "Too many requests: 3 samples exceed the emulator's limit of 2 images in progress"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, base+tc.path, tc.body)
			if a.status != http.StatusTooManyRequests {
				t.Fatalf("status %d, want 429; body %s", a.status, a.body)
			}
			// ceil(2.5 s − the little time since the submit) = 3.
			if got := a.header.Get("Retry-After"); got != "3" {
				t.Errorf("Retry-After = %q, want 3", got)
			}
			if got := errorOf(t, a); got != tc.wantError {
				t.Errorf("error = %q, want %q", got, tc.wantError)
			}
		})
	}
	// One more image still fits.
	submit(t, base, `{"prompt": "castle"}`)
	if st := s.Stats(); st.InProgress != 2 || st.MaxInProgress != 2 || st.JobsSubmitted != 2 {
		t.Errorf("stats = %+v", st)
	}
}

// TestConcurrencyLimitUnderLoad: many clients at once, mixing v1 and v2
// and 1 or 2 samples, retrying on 429. At no instant are more images in
// progress than the limit, and every image is billed exactly once.
func TestConcurrencyLimitUnderLoad(t *testing.T) {
	const (
		limit    = 3
		clients  = 6
		requests = 3
	)
	opts := testOptions()
	opts.MaxConcurrency = limit
	opts.Latency = 15 * time.Millisecond
	s, base := startServer(t, opts)

	// A watcher reads the stats endpoint throughout.
	stop := make(chan struct{})
	watched := make(chan int64, 1)
	go func() {
		var most int64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				watched <- most
				return
			case <-tick.C:
			}
			resp, err := http.Get(base + StatsPath)
			if err != nil {
				continue
			}
			var st Stats
			if json.NewDecoder(resp.Body).Decode(&st) == nil {
				most = max(most, st.InProgress)
			}
			resp.Body.Close()
		}
	}()

	var wantImages, throttled atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for r := range requests {
				samples := 1 + (c+r)%2
				path := wire.PathV1Generate
				if (c+r)%3 == 0 {
					path = wire.PathV2Submit
				}
				body := `{"prompt": "load test", "seed": ` + strconv.Itoa(c*10+r) + `, "samples": ` + strconv.Itoa(samples) + `}`
				for {
					a, err := postJSON(base+path, body)
					if err != nil {
						t.Error(err)
						return
					}
					if a.status == http.StatusOK {
						wantImages.Add(int64(samples))
						break
					}
					if a.status != http.StatusTooManyRequests {
						t.Errorf("status %d: %s", a.status, a.body)
						return
					}
					if a.header.Get("Retry-After") == "" {
						t.Error("429 without Retry-After")
					}
					throttled.Add(1)
					// Back off, as a client does after a 429 (the
					// emulator asks for seconds; the test needs no more
					// than a moment).
					<-time.After(3 * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	waitFor(t, 30*time.Second, "every image to be billed", func() bool { return s.Stats().Generated == wantImages.Load() })
	close(stop)
	mostWatched := <-watched

	st := s.Stats()
	if st.MaxInProgress > limit {
		t.Errorf("max_in_progress = %d, above the limit %d", st.MaxInProgress, limit)
	}
	if st.MaxInProgress < 2 {
		t.Errorf("max_in_progress = %d: the load never ran requests in parallel", st.MaxInProgress)
	}
	if mostWatched > limit {
		t.Errorf("the stats endpoint showed %d in progress, above the limit %d", mostWatched, limit)
	}
	if st.InProgress != 0 {
		t.Errorf("in_progress = %d after the load", st.InProgress)
	}
	if throttled.Load() == 0 {
		t.Error("no request was answered 429: the limit was never reached")
	}
	if got := st.Requests["POST /v1/{model}"]["429"] + st.Requests["POST /v2/{model}"]["429"]; got != throttled.Load() {
		t.Errorf("stats count %d answers 429, the clients saw %d", got, throttled.Load())
	}
}

func TestNotEnoughCredits(t *testing.T) {
	opts := testOptions()
	opts.Credits = 3
	s, base := startServer(t, opts)

	a := post(t, base+wire.PathV1Generate, `{"prompt": "castle", "samples": 2}`)
	if a.status != http.StatusOK {
		t.Fatalf("first request: %d %s", a.status, a.body)
	}
	if got := a.header.Get(wire.HeaderRemainingCredits); got != "0.006" {
		t.Errorf("%s = %q, want 0.006 (one image left)", wire.HeaderRemainingCredits, got)
	}
	for _, path := range []string{wire.PathV2Submit, wire.PathV1Generate} {
		a := post(t, base+path, `{"prompt": "castle", "samples": 2}`)
		if a.status != http.StatusNotAcceptable {
			t.Fatalf("%s past the credits: %d, want 406", path, a.status)
		}
		if got := errorOf(t, a); got != "Not enough credits" {
			t.Errorf("error = %q", got)
		}
	}
	// The last image fits, and counts against the credits while in progress.
	sub := submit(t, base, `{"prompt": "castle"}`)
	if a := post(t, base+wire.PathV1Generate, `{"prompt": "castle"}`); a.status != http.StatusNotAcceptable {
		t.Errorf("with the last credit in progress: %d, want 406", a.status)
	}
	pollStates(t, sub.StatusURL)
	if diff := cmp.Diff(wire.CreditsResponse{}, decode[wire.CreditsResponse](t, get(t, base+wire.PathCredits))); diff != "" {
		t.Errorf("credits (-want +got):\n%s", diff)
	}
	if st := s.Stats(); st.Generated != 3 || st.JobsSubmitted != 1 {
		t.Errorf("stats = %+v, want 3 generated and 1 job", st)
	}
}

// TestFailRateIsSeeded: the same seed gives the same faults for the same
// sequence of requests; another seed gives others.
func TestFailRateIsSeeded(t *testing.T) {
	codes := func(seed int64) []int {
		opts := testOptions()
		opts.FailRate = 0.5
		opts.FailSeed = seed
		_, base := startServer(t, opts)
		var out []int
		for range 40 {
			a := get(t, base+wire.PathCredits)
			switch a.status {
			case http.StatusOK:
			case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
				errorOf(t, a)
			default:
				t.Fatalf("status %d", a.status)
			}
			out = append(out, a.status)
		}
		return out
	}
	first, again, other := codes(42), codes(42), codes(7)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("the same seed gave other faults (-first +again):\n%s", diff)
	}
	if cmp.Equal(first, other) {
		t.Error("seeds 42 and 7 gave the same faults")
	}
	seen := map[int]int{}
	for _, c := range first {
		seen[c]++
	}
	if seen[200] < 8 || seen[200] > 32 {
		t.Errorf("%d of 40 requests succeeded at fail rate 0.5", seen[200])
	}
	if len(seen) != 4 {
		t.Errorf("status codes seen: %v, want 200, 500, 502 and 504", seen)
	}
}

// TestFailRateComesFirst: an injected fault answers before auth or any
// work; the emulator's own routes never fail.
func TestFailRateComesFirst(t *testing.T) {
	opts := testOptions()
	opts.FailRate = 1
	s, base := startServer(t, opts)
	for _, a := range []answer{
		call(t, http.MethodPost, base+wire.PathV2Submit, "", `{"prompt": "castle"}`),
		post(t, base+wire.PathV2Submit, `{"prompt": "castle"}`),
		post(t, base+wire.PathV1Generate, `not json`),
	} {
		if a.status < 500 {
			t.Errorf("status %d, want an injected 5xx", a.status)
		}
	}
	if a := call(t, http.MethodGet, base+StatsPath, "", ""); a.status != http.StatusOK {
		t.Errorf("stats: %d, want 200", a.status)
	}
	if a := get(t, base+"/nowhere"); a.status != http.StatusNotFound {
		t.Errorf("unknown path: %d, want 404 (routing comes before faults)", a.status)
	}
	if st := s.Stats(); st.JobsSubmitted != 0 || st.Generated != 0 || st.MaxInProgress != 0 {
		t.Errorf("stats = %+v, want no work done", st)
	}
}

func TestBlocklistMatch(t *testing.T) {
	b := newBlocklist([]string{"Gore", "blood bath", "  ", "ÉPÉE"})
	tests := []struct {
		prompt string
		want   string
	}{
		{"a castle", ""},
		{"gore", "gore"},
		{"A (GORE:1.3) scene", "gore"},
		{"gorey", ""},
		{"gorgeous", ""},
		{"a blood bath", "blood bath"},
		{"blood, bath", "blood bath"},
		{"bloodbath", ""},
		{"une épée brillante", "épée"},
	}
	for _, tc := range tests {
		if got := b.match(tc.prompt); got != tc.want {
			t.Errorf("match(%q) = %q, want %q", tc.prompt, got, tc.want)
		}
	}
}

// --rpm limits billable requests like an account: a bucket of RPMBurst
// tokens refilled at RPM a minute; a request without a token gets 429 with
// the whole seconds until one is free, counted in the stats. Polls and
// other free requests do not count.
func TestRateLimit(t *testing.T) {
	clock := clockwork.NewFakeClock()
	opts := testOptions()
	opts.RPM, opts.RPMBurst = 60, 2 // one a second, two at once
	opts.Latency, opts.Clock = 0, clock
	s, base := startServer(t, opts)
	body := `{"prompt": "castle", "seed": 1}`
	for i := range 2 {
		if a := post(t, base+wire.PathV1Generate, body); a.status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i, a.status, a.body)
		}
	}
	a := post(t, base+wire.PathV2Submit, body)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "1" {
		t.Fatalf("a third request at once: %d, Retry-After %q; want 429 and 1", a.status, a.header.Get("Retry-After"))
	}
	if st := s.Stats(); st.RateLimited != 1 || st.Generated != 2 {
		t.Errorf("stats %+v, want one rate limited, two generated", st)
	}
	// Free requests are not limited.
	for range 5 {
		if a := get(t, base+wire.PathCredits); a.status != http.StatusOK {
			t.Fatalf("credits: %d", a.status)
		}
	}
	clock.Advance(time.Second - time.Millisecond)
	if a := post(t, base+wire.PathV2Submit, body); a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "1" {
		t.Errorf("a millisecond short of a second: %d, Retry-After %q; want 429 and 1", a.status, a.header.Get("Retry-After"))
	}
	clock.Advance(time.Millisecond)
	if a := post(t, base+wire.PathV2Submit, body); a.status != http.StatusOK {
		t.Errorf("after a second, a request: %d %s", a.status, a.body)
	}
	if st := s.Stats(); st.RateLimited != 2 || st.JobsSubmitted != 1 {
		t.Errorf("stats %+v, want two rate limited, one job", st)
	}
}
