package segmind_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
)

// TestWaitPollScheduleEmulator: once the client has learnt the server's
// inference time, a job is noticed soon after it finishes, in a few
// status polls.
func TestWaitPollScheduleEmulator(t *testing.T) {
	opts := fastOptions()
	opts.Latency = 300 * time.Millisecond
	s, base := startEmulator(t, opts)
	c := newClient(t, base)
	published := model.NewRealityLightning.ExpectedSeconds
	if got := c.ExpectedInferenceTime(); got != time.Duration(published*float64(time.Second)) {
		t.Errorf("expected inference time before any job = %v, want the published %v s", got, published)
	}
	teach(t, c)
	if got := c.ExpectedInferenceTime(); got < opts.Latency-time.Millisecond || got > opts.Latency+time.Millisecond {
		t.Fatalf("expected inference time after one job = %v, want %v", got, opts.Latency)
	}

	const route = "GET /v2/requests/{id}/status"
	limit := opts.Latency + 600*time.Millisecond
	retryTiming(t, func() (bool, string) {
		before := s.Stats().Requests[route]["200"]
		ctx := testContext(t)
		job, err := c.Submit(ctx, request("a glass of water on a wooden table"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Wait(ctx, job, generate.WaitOptions{}); err != nil {
			t.Fatal(err)
		}
		took := time.Since(job.Submitted)
		polls := s.Stats().Requests[route]["200"] - before
		if polls < 1 || took < opts.Latency {
			t.Fatalf("%d status polls, done after %v: sooner than the server can finish", polls, took)
		}
		return polls <= 4 && took <= limit,
			fmt.Sprintf("%d status polls (want at most 4), Wait took %v (want at most %v) for a %v job", polls, took, limit, opts.Latency)
	})
}

// TestWaitPollScheduleIntervals records when a fake server is polled: the
// first poll at the learnt inference time plus a small margin, then
// intervals growing from 100 ms by half each time up to a 400 ms cap.
func TestWaitPollScheduleIntervals(t *testing.T) {
	const pollsUntilDone = 6
	png := tinyPNG(t)
	var (
		mu    sync.Mutex
		polls = map[string][]time.Time{} // by job
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/requests/teacher/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"status":"COMPLETED","request_id":"teacher","metrics":{"inference_time":0.2}}`)
	})
	mux.HandleFunc("GET /v2/requests/{id}/status", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		mu.Lock()
		polls[id] = append(polls[id], time.Now())
		n := len(polls[id])
		mu.Unlock()
		if n < pollsUntilDone {
			writeJSON(w, http.StatusOK, `{"status":"PROCESSING","metrics":{}}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"status":"COMPLETED","metrics":{"inference_time":0.2}}`)
	})
	mux.HandleFunc("GET /v2/requests/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fmt.Sprintf(`{"status":"COMPLETED","metrics":{"inference_time":0.2},"output":%q}`, b64(png)))
	})
	ts := serve(t, mux)
	c := newClient(t, ts.URL)
	ctx := testContext(t)

	// One reported inference time teaches the estimator.
	if _, err := c.Status(ctx, jobAt(ts.URL, "teacher")); err != nil {
		t.Fatal(err)
	}
	const learnt = 200 * time.Millisecond
	if got := c.ExpectedInferenceTime(); got < learnt-time.Millisecond || got > learnt+time.Millisecond {
		t.Fatalf("expected inference time = %v, want %v", got, learnt)
	}

	// The first poll at the learnt time plus 50 ms, then every 100 ms
	// growing by half to a cap of 400 ms.
	want := []time.Duration{learnt + 50*time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond,
		225 * time.Millisecond, 337500 * time.Microsecond, 400 * time.Millisecond}
	// A poll can come later than planned (the machine is busy), never
	// earlier; the slack bounds how late.
	const slack = 250 * time.Millisecond
	attempt := 0
	retryTiming(t, func() (bool, string) {
		attempt++
		job := jobAt(ts.URL, fmt.Sprint("job", attempt))
		job.Submitted = time.Now()
		res, err := c.Wait(ctx, job, generate.WaitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Images) != 1 || string(res.Images[0].Data) != string(png) {
			t.Errorf("result images = %d", len(res.Images))
		}
		mu.Lock()
		defer mu.Unlock()
		if len(polls[job.ID]) != pollsUntilDone {
			t.Fatalf("%d polls, want %d", len(polls[job.ID]), pollsUntilDone)
		}
		prev := job.Submitted
		var report []string
		late := false
		for i, at := range polls[job.ID] {
			gap := at.Sub(prev)
			prev = at
			report = append(report, fmt.Sprintf("%v (planned %v)", gap.Round(time.Millisecond), want[i]))
			if gap < want[i]-2*time.Millisecond {
				t.Errorf("poll %d came %v after the one before, planned %v: too early", i+1, gap, want[i])
			}
			late = late || gap > want[i]+slack
		}
		return !late, "gaps between polls: " + strings.Join(report, ", ")
	})
}
