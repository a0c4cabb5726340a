package segmind_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
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
	"github.com/imgform/imgform/internal/segmind/emulator"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// The client against the emulator over loopback, one test per path.

func TestEmulatorGenerateRawBytes(t *testing.T) {
	t.Parallel() // no timing asserted
	opts := fastOptions()
	opts.Credits = 10
	s, base := startEmulator(t, opts)
	c := newClient(t, base)
	if v, ok := c.RemainingCredits(); ok {
		t.Errorf("remaining credits %v before any answer", v)
	}

	res, err := c.Generate(testContext(t), request("a red bicycle against a white wall"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 {
		t.Fatalf("%d images, want 1", len(res.Images))
	}
	if ct := res.Images[0].ContentType; ct != "image/png" {
		t.Errorf("content type = %q, want image/png", ct)
	}
	checkPNG(t, res.Images[0].Data, 1024, 1024)
	if !res.Placeholder {
		t.Error("the emulator's image does not pass as a placeholder")
	}
	// Ten credits, one image made: nine left at the published price.
	if v, ok := c.RemainingCredits(); !ok || v != 9*model.NewRealityLightning.PriceUSD {
		t.Errorf("remaining credits = %v, %v; want %v", v, ok, 9*model.NewRealityLightning.PriceUSD)
	}
	if st := s.Stats(); st.Generated != 1 || st.Requests["POST /v1/{model}"]["200"] != 1 {
		t.Errorf("stats: generated %d, requests %v; want one v1 image", st.Generated, st.Requests)
	}

	again, err := c.Generate(testContext(t), request("a red bicycle against a white wall"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Images[0].Data, res.Images[0].Data) {
		t.Error("the same request gave different bytes")
	}
	// The balance is the last answer's.
	if v, ok := c.RemainingCredits(); !ok || v != 8*model.NewRealityLightning.PriceUSD {
		t.Errorf("remaining credits after a second image = %v, %v; want %v", v, ok, 8*model.NewRealityLightning.PriceUSD)
	}
}

func TestEmulatorGenerateBase64(t *testing.T) {
	t.Parallel() // no timing asserted
	s := emulator.New(fastOptions())
	// answered is the Content-Type of the last answer, as the client
	// received it (recorded before Generate returns).
	var answered atomic.Value
	noting := func(c *segmind.Config) {
		c.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err == nil {
				answered.Store(resp.Header.Get("Content-Type"))
			}
			return resp, err
		})}
	}
	c := newClient(t, serve(t, s).URL, noting)
	// The client asks for base64 only for several samples; a server that
	// answers one image as base64 all the same is read too.
	c64 := newClient(t, serve(t, forceBase64(t, s)).URL, noting)
	t.Cleanup(s.Close) // before the servers close

	tests := []struct {
		name    string
		samples int
		base64  bool
	}{
		{name: "two samples come as a base64 list", samples: 2},
		{name: "one sample answered as base64", samples: 1, base64: true},
		{name: "four samples", samples: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Stats().Generated
			req := withSamples(request("two cats on a sofa"), tt.samples)
			c := c
			if tt.base64 {
				c = c64
			}
			res, err := c.Generate(testContext(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if ct, _ := answered.Load().(string); !strings.Contains(ct, "json") {
				t.Errorf("answered as %q, want base64 in JSON", ct)
			}
			if len(res.Images) != tt.samples {
				t.Fatalf("%d images, want %d", len(res.Images), tt.samples)
			}
			for i, img := range res.Images {
				if img.ContentType != "image/png" {
					t.Errorf("image %d: content type %q", i, img.ContentType)
				}
				checkPNG(t, img.Data, 1024, 1024)
				if i > 0 && bytes.Equal(img.Data, res.Images[0].Data) {
					t.Errorf("image %d has the same bytes as image 0", i)
				}
			}
			if got := s.Stats().Generated - before; got != int64(tt.samples) {
				t.Errorf("generated %d images, want %d", got, tt.samples)
			}
		})
	}
}

func TestEmulatorWaitCompleted(t *testing.T) {
	t.Parallel() // no timing asserted
	opts := fastOptions()
	opts.Latency = 50 * time.Millisecond
	s := emulator.New(opts)
	var polls pollLog // what the status polls told Wait, by job
	base := serve(t, polls.record(s)).URL
	// The client submits without base64 (image URLs in the output); a
	// server that answers with base64 output all the same is read too.
	b64Base := serve(t, polls.record(forceBase64(t, s))).URL
	t.Cleanup(s.Close) // before the servers close
	c := newClient(t, base)
	teach(t, c)
	c64 := newClient(t, b64Base, withExpected(opts.Latency))
	downloads := func() int64 { return s.Stats().Requests["GET "+emulator.ImagesPath+"{id}/{n}.png"]["200"] }

	tests := []struct {
		name    string
		samples int
		base64  bool
	}{
		{name: "one image by URL", samples: 1},
		{name: "two images by URL", samples: 2},
		{name: "one image as base64 output", samples: 1, base64: true},
		{name: "two images as base64 output", samples: 2, base64: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			req := withSamples(request("a snowy mountain village at dusk"), tt.samples)
			c, base := c, base
			if tt.base64 {
				c, base = c64, b64Base
			}
			downloadsBefore := downloads()
			job, err := c.Submit(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if job.ID == "" || !strings.HasPrefix(job.StatusURL, base+"/v2/requests/"+job.ID) ||
				!strings.HasPrefix(job.ResponseURL, base+"/v2/requests/"+job.ID) || job.Submitted.IsZero() {
				t.Errorf("job = %+v", job)
			}
			res, err := c.Wait(ctx, job, generate.WaitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Wait fetched the result once a poll said COMPLETED, and
			// polled no more.
			seen := polls.of(job.ID)
			if len(seen) == 0 || seen[len(seen)-1] != wire.StatusCompleted || slices.Contains(seen[:len(seen)-1], wire.StatusCompleted) {
				t.Errorf("statuses seen %v, want to end COMPLETED", seen)
			}
			if res.RequestID != job.ID {
				t.Errorf("result request id %q, want %q", res.RequestID, job.ID)
			}
			if res.InferenceTime != opts.Latency.Seconds() {
				t.Errorf("inference time %v s, want %v s", res.InferenceTime, opts.Latency.Seconds())
			}
			if len(res.Images) != tt.samples {
				t.Fatalf("%d images, want %d", len(res.Images), tt.samples)
			}
			for _, img := range res.Images {
				checkPNG(t, img.Data, 1024, 1024)
			}
			if !res.Placeholder {
				t.Error("the emulator's images do not pass as placeholders")
			}
			// Output URLs are fetched, one per image; base64 output is not.
			wantDownloads := int64(tt.samples)
			if tt.base64 {
				wantDownloads = 0
			}
			if got := downloads() - downloadsBefore; got != wantDownloads {
				t.Errorf("%d images downloaded, want %d", got, wantDownloads)
			}
		})
	}
	if got, want := c.ExpectedInferenceTime(), opts.Latency; got < want-time.Millisecond || got > want+time.Millisecond {
		t.Errorf("expected inference time %v after jobs of %v", got, want)
	}
}

func TestEmulatorJobFailed(t *testing.T) {
	opts := fastOptions()
	opts.Blocklist = []string{"gore"}
	s, base := startEmulator(t, opts)
	c := newClient(t, base, withExpected(opts.Latency))
	ctx := testContext(t)
	const wantMsg = `content_policy_violation: the prompt contains the blocked word "gore"`

	job, err := c.Submit(ctx, request("a battlefield, (gore:1.3), dramatic light"))
	if err != nil {
		t.Fatalf("submit: %v (a blocked prompt is accepted and FAILS later)", err)
	}
	_, err = c.Wait(ctx, job, generate.WaitOptions{})
	failed, ok := errors.AsType[*generate.Error](err)
	if !ok {
		t.Fatalf("Wait: %v (%T), want *generate.Error", err, err)
	}
	want := &generate.Error{Op: "segmind job", Reason: generate.Rejected, JobID: job.ID, Message: "failed: " + wantMsg}
	if diff := cmp.Diff(want, failed); diff != "" {
		t.Errorf("job failed error (-want +got):\n%s", diff)
	}
	if class := generate.ReasonOf(err); class != generate.Rejected {
		t.Errorf("ClassOf = %v, want image failed", class)
	}

	// The endpoints one by one: status reports FAILED under 422, the
	// result is the job's failure.
	st, err := c.Status(ctx, job)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if st.Status != wire.StatusFailed || st.Error != wantMsg {
		t.Errorf("Status = %+v", st)
	}
	_, err = c.Result(ctx, job)
	if diff := cmp.Diff(want, err); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	stats := s.Stats()
	if stats.Requests["GET /v2/requests/{id}/status"]["422"] < 2 || stats.Requests["GET /v2/requests/{id}"]["422"] != 1 {
		t.Errorf("requests %v: want the status and result of the job answered 422", stats.Requests)
	}
	if stats.Generated != 0 || stats.JobsSubmitted != 1 {
		t.Errorf("generated %d of %d jobs, want 0 of 1: a FAILED job is not billed", stats.Generated, stats.JobsSubmitted)
	}

	// Sync, the same prompt is refused up front with 400, for this
	// image only.
	_, err = c.Generate(ctx, request("a battlefield, (gore:1.3), dramatic light"))
	if e := apiError(t, err); segmind.StatusOf(e) != http.StatusBadRequest || e.Reason != generate.Rejected || serverMessage(e) != wantMsg || e.PossiblyBilled {
		t.Errorf("Generate: %+v", e)
	}
}

func TestEmulatorExpiredRequest(t *testing.T) {
	clock := clockwork.NewFakeClock()
	opts := fastOptions()
	opts.Retention = 150 * time.Millisecond
	opts.Clock = clock
	_, base := startEmulator(t, opts)
	c := newClient(t, base, withExpected(opts.Latency))
	ctx := testContext(t)

	job, err := c.Submit(ctx, request("a paper boat on a puddle"))
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(opts.Retention)

	calls := map[string]func() error{
		"status": func() error { _, err := c.Status(ctx, job); return err },
		"result": func() error { _, err := c.Result(ctx, job); return err },
		"wait":   func() error { _, err := c.Wait(ctx, job, generate.WaitOptions{}); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if generate.ReasonOf(err) != generate.Lost {
				t.Fatalf("%v (class %v), want a lost job", err, generate.ReasonOf(err))
			}
			e := apiError(t, err)
			if segmind.StatusOf(e) != http.StatusNotFound || e.JobID != job.ID || !strings.Contains(serverMessage(e), "expired") {
				t.Errorf("error %+v", e)
			}
			if !strings.Contains(err.Error(), job.ID) || !strings.Contains(err.Error(), "404") {
				t.Errorf("error text %q lacks the request id or the status", err)
			}
		})
	}
	unknown := jobAt(base, "00000000-0000-4000-8000-000000000000")
	if _, err := c.Status(ctx, unknown); generate.ReasonOf(err) != generate.Lost || segmind.StatusOf(err) != http.StatusNotFound {
		t.Errorf("unknown id: %v, want a lost job (404)", err)
	}
}

func TestEmulatorUnauthorized(t *testing.T) {
	s, base := startEmulator(t, fastOptions())
	good := newClient(t, base)
	job, err := good.Submit(testContext(t), request("a quiet harbour"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, key, message string
	}{
		{name: "wrong key", key: "SG_not_the_right_key_42", message: "Invalid API key"},
		{name: "no key", key: "", message: "Missing API key: send it in the x-api-key header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, base, withKey(tt.key))
			ctx := testContext(t)
			calls := map[string]func() error{
				"generate": func() error { _, err := c.Generate(ctx, request("x")); return err },
				"submit":   func() error { _, err := c.Submit(ctx, request("x")); return err },
				"status":   func() error { _, err := c.Status(ctx, job); return err },
				"credits":  func() error { _, err := c.Credits(ctx); return err },
				"wait":     func() error { _, err := c.Wait(ctx, jobAt(base, job.ID), generate.WaitOptions{}); return err },
			}
			for op, call := range calls {
				e := apiError(t, call())
				if segmind.StatusOf(e) != http.StatusUnauthorized || e.Reason != generate.BadKey || serverMessage(e) != tt.message {
					t.Errorf("%s: %+v, want 401, fatal, %q", op, e, tt.message)
				}
				if !generate.StopsRun(e) {
					t.Errorf("%s: a refused key does not stop the run (reason %v)", op, generate.ReasonOf(e))
				}
				if !strings.HasPrefix(e.Error(), "segmind ") || !strings.Contains(e.Error(), ": 401 Unauthorized: "+tt.message) {
					t.Errorf("%s: error %q, want it to name segmind and say 401 Unauthorized", op, e.Error())
				}
			}
		})
	}
	if n := s.Stats().Requests["GET /v2/requests/{id}/status"]["401"]; n != 4 {
		t.Errorf("%d status polls answered 401, want 4: Wait must not retry a 401", n)
	}
}

func TestEmulatorCreditsExhausted(t *testing.T) {
	opts := fastOptions()
	opts.Credits = 1
	s, base := startEmulator(t, opts)
	c := newClient(t, base)
	ctx := testContext(t)

	if _, err := c.Generate(ctx, request("the one image we can pay for")); err != nil {
		t.Fatalf("first image: %v", err)
	}
	for op, call := range map[string]func() error{
		"generate": func() error { _, err := c.Generate(ctx, request("one too many")); return err },
		"submit":   func() error { _, err := c.Submit(ctx, request("one too many")); return err },
	} {
		e := apiError(t, call())
		if segmind.StatusOf(e) != http.StatusNotAcceptable || e.Reason != generate.NoCredits || serverMessage(e) != "Not enough credits" {
			t.Errorf("%s: %+v, want 406, fatal", op, e)
		}
	}
	cr, err := c.Credits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Credits != 0 {
		t.Errorf("credits left %v, want 0", cr.Credits)
	}
	if st := s.Stats(); st.Generated != 1 {
		t.Errorf("generated %d, want 1", st.Generated)
	}

	// Credits 0 is none at all (not "unlimited").
	_, base0 := startEmulator(t, emulator.Options{APIKey: testKey, Credits: 0})
	_, err = newClient(t, base0).Generate(ctx, request("nothing to pay with"))
	if e := apiError(t, err); segmind.StatusOf(e) != http.StatusNotAcceptable {
		t.Errorf("with no credits: %+v, want 406", e)
	}
}

func TestEmulatorRateLimited(t *testing.T) {
	clock := clockwork.NewFakeClock()
	opts := fastOptions()
	opts.MaxConcurrency = 1
	opts.Latency = 500 * time.Millisecond
	opts.Clock = clock
	s, base := startEmulator(t, opts)
	c := newClient(t, base)
	ctx := testContext(t)

	var wg sync.WaitGroup
	var firstErr error
	wg.Go(func() { _, firstErr = c.Generate(ctx, request("the request that gets the slot")) })
	// The first request holds the slot while it waits for its latency on
	// the emulator's clock, which does not move until the test moves it.
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("the first request never started: %v", err)
	}
	if st := s.Stats(); st.InProgress != 1 {
		t.Fatalf("in progress %d, want the first request", st.InProgress)
	}

	// The slot is taken for 500 ms more: the emulator asks to come back
	// in one second (rounded up).
	for op, call := range map[string]func() error{
		"generate": func() error { _, err := c.Generate(ctx, request("a second, concurrent request")); return err },
		"submit":   func() error { _, err := c.Submit(ctx, request("a second, concurrent request")); return err },
	} {
		err := call()
		e := apiError(t, err)
		if segmind.StatusOf(e) != http.StatusTooManyRequests || e.Reason != generate.Throttled {
			t.Errorf("%s: %+v, want 429, throttled", op, e)
		}
		if got := generate.WaitOf(err); got != time.Second {
			t.Errorf("%s: WaitOf = %v, want 1s", op, got)
		}
	}
	clock.Advance(opts.Latency)
	wg.Wait()
	if firstErr != nil {
		t.Errorf("first request: %v", firstErr)
	}
	if st := s.Stats(); st.MaxInProgress != 1 || st.Generated != 1 {
		t.Errorf("stats: max in progress %d, generated %d; want 1, 1", st.MaxInProgress, st.Generated)
	}
}

func TestEmulatorInjectedServerErrors(t *testing.T) {
	t.Parallel() // no timing asserted
	opts := fastOptions()
	opts.FailRate = 1
	opts.FailSeed = 7
	_, base := startEmulator(t, opts)
	c := newClient(t, base)
	ctx := testContext(t)
	job := jobAt(base, "6f1c2a9e-3b7d-4c1e-9a55-0b8e2d4f7a10")

	var retries int
	calls := []struct {
		name string
		call func() error
	}{
		{"generate", func() error { _, err := c.Generate(ctx, request("x")); return err }},
		{"submit", func() error { _, err := c.Submit(ctx, request("x")); return err }},
		{"status", func() error { _, err := c.Status(ctx, job); return err }},
		{"result", func() error { _, err := c.Result(ctx, job); return err }},
		{"credits", func() error { _, err := c.Credits(ctx); return err }},
		{"wait gives up after MaxPollErrors", func() error {
			_, err := c.Wait(ctx, job, generate.WaitOptions{MaxPollErrors: 2, OnRetry: func(error, int, time.Duration) { retries++ }})
			return err
		}},
	}
	codes := map[int]bool{}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			e := apiError(t, tt.call())
			if !slices.Contains([]int{500, 502, 504}, segmind.StatusOf(e)) || e.Reason != generate.Retryable ||
				!strings.Contains(serverMessage(e), "fault injected") {
				t.Errorf("%+v, want a retryable 500/502/504", e)
			}
			codes[segmind.StatusOf(e)] = true
		})
	}
	if retries != 2 {
		t.Errorf("Wait retried %d times, want 2", retries)
	}
	if len(codes) < 2 {
		t.Errorf("status codes %v: the fault injector should vary them", codes)
	}
}

// Cancelling a Wait stops it at once, whether it waits for its first
// poll or between polls: the client's clock never moves after the
// cancel, so Wait can only return because of it.
func TestEmulatorCancelWait(t *testing.T) {
	slowOpts := fastOptions()
	slowOpts.Latency = time.Minute // the job never finishes during the test
	s, slowBase := startEmulator(t, slowOpts)
	const route = "GET /v2/requests/{id}/status"

	for name, pollsFirst := range map[string]int{"before the first poll": 0, "while polling": 1} {
		t.Run(name, func(t *testing.T) {
			clock := newTimerClock()
			c := newClient(t, slowBase, withClock(clock), withExpected(20*time.Millisecond))
			job, err := c.Submit(testContext(t), request("a job that takes a minute"))
			if err != nil {
				t.Fatal(err)
			}
			before := s.Stats().Requests[route]["200"]
			ctx, cancel := context.WithCancel(testContext(t))
			done := make(chan error, 1)
			go func() { _, err := c.Wait(ctx, job, generate.WaitOptions{}); done <- err }()
			for i := range pollsFirst {
				clock.Advance(clock.next(t, fmt.Sprintf("poll %d", i+1)))
			}
			clock.next(t, "the poll cancelled")
			cancel()
			err = <-done
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait: %v, want context.Canceled", err)
			}
			if generate.ReasonOf(err) != generate.Stopped {
				t.Errorf("ReasonOf(cancel) = %v", generate.ReasonOf(err))
			}
			if polls := s.Stats().Requests[route]["200"] - before; polls != int64(pollsFirst) {
				t.Errorf("%d polls, want %d", polls, pollsFirst)
			}
		})
	}
}

func TestEmulatorCredits(t *testing.T) {
	tests := []struct {
		name    string
		credits int
		want    segmind.Credits
	}{
		{name: "ten images", credits: 10, want: segmind.Credits{Credits: 0.06}},
		{name: "none", credits: 0, want: segmind.Credits{}},
		{name: "unlimited", credits: -1, want: segmind.Credits{Credits: 1_000_000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := fastOptions()
			opts.Credits = tt.credits
			_, base := startEmulator(t, opts)
			got, err := newClient(t, base).Credits(testContext(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("credits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmulatorBaseURLForms(t *testing.T) {
	t.Parallel() // no timing asserted
	_, base := startEmulator(t, fastOptions())
	for _, raw := range []string{base, base + "/", base + "/v1", base + "/v1/", "  " + base + "/v2 "} {
		t.Run(raw, func(t *testing.T) {
			c := newClient(t, raw)
			if c.BaseURL() != base {
				t.Errorf("BaseURL() = %q, want %q", c.BaseURL(), base)
			}
			ctx := testContext(t)
			if _, err := c.Credits(ctx); err != nil {
				t.Errorf("Credits: %v", err)
			}
			if !strings.HasSuffix(raw, "/v1") {
				return // the same origin; generating once is enough
			}
			if _, err := c.Generate(ctx, request("a tin robot")); err != nil {
				t.Errorf("Generate: %v", err)
			}
			if _, err := c.Submit(ctx, request("a tin robot")); err != nil {
				t.Errorf("Submit: %v", err)
			}
		})
	}
}

func TestEmulatorFromEnv(t *testing.T) {
	_, base := startEmulator(t, fastOptions())
	env := map[string]string{segmind.EnvAPIKey: testKey, segmind.EnvBaseURL: base + "/v1"}
	cfg := segmind.ConfigFromEnv(func(k string) string { return env[k] })
	c, err := segmind.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasKey() || c.BaseURL() != base {
		t.Errorf("client %v: HasKey %v, BaseURL %q", c, c.HasKey(), c.BaseURL())
	}
	if _, err := c.Credits(testContext(t)); err != nil {
		t.Error(err)
	}
}

// examplePrompt and exampleNegativePrompt are the provider's example
// request, copied verbatim from the model page.
const examplePrompt = "Thelema-themed, ethereal fantasy concept art of  Dystopian style Grim-noire, wide angle shot, (establishing shot:1.7), Perfect photograph, ((Hell hath no queen! But, o thou red mouthed curving In kisses that bring blood, shall I be alone? What of the accomplice of these deeds unswerving? Will not your dead hot kisses match mine own? As here your ardours brand me bone and marrow Biting like fire and poison in my veins, Shall you not there still ply your nameless harrow. Mingle a cup from those our common pains To intoxicate us with an extreme pleasure Keener than life, more dolorous than death Till these infernal blisses pass the measure Of heaven imagined by the tremulous breaths Of silly saints and silly sinners, swaying From scraps of blasphemy to scraps of praying?)), perfect composition, dynamic lighting, dramatic action, trending on artstation, sharp focus, studio photo, intricate details, highly detailed,  Bleak, post-apocalyptic, somber, dramatic, highly detailed, dramatic , Zeiss Master Prime Lenses, Panavision, Film Stock Footage, Kodak Eastman 100T 5247 Cinematic .magnificent, celestial, ethereal, painterly, epic, majestic, magical, fantasy art, cover art, dreamy, misc, . highly detailed"

const exampleNegativePrompt = "((close up)),(octane render, render, drawing, bad photo, bad photography:1.3), (worst quality, low quality, blurry:1.2), (bad teeth, deformed teeth, deformed lips), (bad anatomy, bad proportions:1.1), (deformed iris, deformed pupils), (deformed eyes, bad eyes), (deformed face, ugly face, bad face), (deformed hands, bad hands, fused fingers), morbid, mutilated, mutation, disfigured"

func TestEmulatorProviderExample(t *testing.T) {
	t.Parallel() // no timing asserted
	// Its base64 is false, which the client sends for one sample.
	req := model.NewRequest(model.NewRealityLightning).
		With("prompt", model.String(examplePrompt)).
		With("negative_prompt", model.String(exampleNegativePrompt)).
		With("samples", model.Int(1)).
		With("scheduler", model.String("DPM++ SDE")).
		With("num_inference_steps", model.Int(7)).
		With("guidance_scale", model.Number(1)).
		With("seed", model.Int(1220429729)).
		With("img_width", model.Int(1024)).
		With("img_height", model.Int(1024))
	if errs := req.Validate(); len(errs) != 0 {
		t.Fatalf("the provider's example does not validate: %v", errs)
	}
	s, base := startEmulator(t, fastOptions())
	c := newClient(t, base, withExpected(fastOptions().Latency))
	ctx := testContext(t)

	job, err := c.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Wait(ctx, job, generate.WaitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 {
		t.Fatalf("%d images", len(res.Images))
	}
	checkPNG(t, res.Images[0].Data, 1024, 1024)

	v1, err := c.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v1.Images[0].Data, res.Images[0].Data) {
		t.Error("v1 and v2 gave different images for the same seeded request")
	}
	if st := s.Stats(); st.Generated != 2 {
		t.Errorf("generated %d, want 2 (v2, v1)", st.Generated)
	}
}

func TestEmulatorInvalidRequestIsNotSent(t *testing.T) {
	s, base := startEmulator(t, fastOptions())
	c := newClient(t, base)
	ctx := testContext(t)
	req := request("  ").
		With("img_width", model.Int(512)).
		With("scheduler", model.String("DPM++ SDE karras"))

	// The schema refuses three parameters, in its order; the error says
	// why of each, in that order.
	var params, reasons []string
	for _, pe := range req.Validate() {
		params = append(params, pe.Param)
		reasons = append(reasons, pe.Error())
	}
	if diff := cmp.Diff([]string{"prompt", "scheduler", "img_width"}, params); diff != "" {
		t.Fatalf("parameters refused (-want +got):\n%s", diff)
	}
	for op, call := range map[string]func() error{
		"generate": func() error { _, err := c.Generate(ctx, req); return err },
		"submit":   func() error { _, err := c.Submit(ctx, req); return err },
	} {
		err := call()
		e := apiError(t, err)
		want := &generate.Error{Op: "segmind " + op, Reason: generate.Rejected, Message: "invalid request: " + strings.Join(reasons, "; ")}
		if diff := cmp.Diff(want, e); diff != "" {
			t.Errorf("%s: error (-want +got):\n%s", op, diff)
		}
		if !strings.Contains(err.Error(), `Did you mean "DPM++ SDE Karras"?`) {
			t.Errorf("%s: %q lacks the schema's suggestion", op, err)
		}
		if generate.ReasonOf(err) != generate.Rejected {
			t.Errorf("%s: ClassOf = %v", op, generate.ReasonOf(err))
		}
	}
	if st := s.Stats(); len(st.Requests) != 0 {
		t.Errorf("requests reached the server: %v", st.Requests)
	}
}

// A job still running when Wait's timeout passes is an error of class
// StillRunning (this image's, not the run's), and can be waited for again.
func TestWaitTimeout(t *testing.T) {
	opts := fastOptions()
	opts.Latency = 1500 * time.Millisecond
	_, base := startEmulator(t, opts)
	clock := newTimerClock()
	c := newClient(t, base, withClock(clock), withExpected(50*time.Millisecond))
	ctx := testContext(t)
	job, err := c.Submit(ctx, request("a slow one"))
	if err != nil {
		t.Fatal(err)
	}
	// Polls at 100 ms (the expected 50 ms and the margin) and 200 ms; the
	// next, at 350 ms, would come past the timeout: Wait gives up at 200 ms
	// instead of waiting for it.
	done := make(chan error, 1)
	go func() {
		_, err := c.Wait(ctx, job, generate.WaitOptions{Timeout: 300 * time.Millisecond})
		done <- err
	}()
	var waited time.Duration
	for range 2 {
		d := clock.next(t, "a poll")
		waited += d
		clock.Advance(d)
	}
	err = <-done
	timeout, ok := errors.AsType[*generate.Error](err)
	if !ok || timeout.Reason != generate.StillRunning || timeout.JobID != job.ID {
		t.Fatalf("Wait = %v, want a still-running error for %s", err, job.ID)
	}
	if waited > 300*time.Millisecond {
		t.Errorf("waited %v before giving up, want no more than the 300ms timeout", waited)
	}
	if generate.ReasonOf(err) != generate.StillRunning {
		t.Errorf("class %v, want still running", generate.ReasonOf(err))
	}
	if !strings.Contains(err.Error(), ": still ") || !strings.Contains(err.Error(), job.ID) {
		t.Errorf("message %q does not say the job is still running", err)
	}
	// The job runs on: waiting again gets its image.
	res, err := driveWait(t, c, clock, job)
	if err != nil || len(res.Images) != 1 {
		t.Fatalf("waiting again: %v", err)
	}
}

// A job whose recorded submission time lies in the future (clock skew, a
// journal copied from another machine) is polled, not given up at once as
// "still queued after 0s".
func TestEmulatorWaitFutureSubmitted(t *testing.T) {
	_, base := startEmulator(t, fastOptions())
	c := newClient(t, base, func(cfg *segmind.Config) { cfg.InferenceTimes = []float64{0.02} })
	ctx := context.Background()
	job, err := c.Submit(ctx, defaultRequest("a lighthouse at dusk"))
	if err != nil {
		t.Fatal(err)
	}
	job.Submitted = time.Now().Add(2 * time.Hour)
	res, err := c.Wait(ctx, job, generate.WaitOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if len(res.Images) != 1 {
		t.Errorf("got %d images, want 1", len(res.Images))
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
